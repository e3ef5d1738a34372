"""The canonical Demeter pipeline: one GCAM run downscaled across scenarios.

    prepare_demeter_config      (tag preprocess)  one .ini per scenario
    run_demeter_scenario  x N   (tag demeter)     demeter.run_model per scenario
    aggregate_demeter_outputs   (tag postprocess) one summary table

Run it through Scalable so it gets a run record and live progress:

    scalable run docs/examples/scalable.demeter.yaml --target local \\
        --workflow docs/examples/workflow_demeter.py -- --scenarios 8

It expects the example model importable on the workers (`pip install -e
examples/models/demeter`) and its data in ./demeter_data
(`python examples/models/demeter/scripts/generate_data.py`).

Every step is `@cacheable`: run it again and each scenario whose inputs (the
base config's content, the scenario and resolution, the generated config's
content) are unchanged is served from the project's cache
(`project.local_cache`) instead of running; `scalable cache explain
run_demeter_scenario` says what changed when one is not.
"""

from __future__ import annotations

import argparse
import configparser
import csv
import json
import os
from pathlib import Path

from scalable import FileType, ScalableSession, cacheable

SSPS = ["reference", "ssp1", "ssp2", "ssp3", "ssp4", "ssp5"]
BASE_CONFIG = "./demeter_data/example/config_gcam_reference/config.ini"


@cacheable(
    return_type=FileType,
    check_output=True,
    scenario=str,
    base_config=FileType,
    output_dir=str,
    spatial_resolution=float,
)
def prepare_demeter_config(
    scenario: str, base_config: str, output_dir: str, spatial_resolution: float
) -> str:
    """Materialise a Demeter .ini for one GCAM scenario at one resolution."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(base_config)
    run = f"{scenario}_{spatial_resolution:g}deg"
    run_dir = Path(output_dir).resolve() / run
    run_dir.mkdir(parents=True, exist_ok=True)
    config["PARAMS"]["scenario"] = scenario
    config["PARAMS"]["spatial_resolution"] = f"{spatial_resolution:g}"
    config["OUTPUTS"]["output_dir"] = str(run_dir)
    config["OUTPUTS"]["output_format"] = "csv"
    if "STRUCTURE" not in config or not config["STRUCTURE"].get("root_dir"):
        config.setdefault("STRUCTURE", {})
        config["STRUCTURE"]["root_dir"] = str(Path(base_config).resolve().parent)
    path = run_dir / f"demeter_{run}.ini"
    with path.open("w", encoding="utf-8") as f:
        config.write(f)
    return str(path)


@cacheable(return_type=dict, config_file=FileType)
def run_demeter_scenario(config_file: str) -> dict[str, object]:
    """Invoke demeter.run_model for a single scenario; return only paths and numbers."""
    import demeter

    result = demeter.run_model(config_file=config_file, write_outputs=True)
    return {
        "scenario": result["scenario"],
        "config_file": config_file,
        "output_dir": result["output_dir"],
        "summary_path": result["summary_path"],
        "cells": result["cells"],
    }


@cacheable(return_type=dict, scenario_results=list)
def aggregate_demeter_outputs(scenario_results: list[dict[str, object]]) -> dict[str, str]:
    """Collect per-scenario summaries into one table (CSV) and one JSON."""
    rows = []
    for result in scenario_results:
        summary = json.loads(Path(str(result["summary_path"])).read_text())
        run = Path(str(result["output_dir"])).name
        for year, areas in sorted(summary.get("area_km2", {}).items()):
            for landclass, area in sorted(areas.items()):
                rows.append({"run": run, "year": year, "landclass": landclass, "area_km2": area})
    first = Path(str(scenario_results[0]["output_dir"])) if scenario_results else Path(".")
    out_dir = first.parent / "_summary"
    out_dir.mkdir(parents=True, exist_ok=True)
    table = out_dir / "scenarios.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["run", "year", "landclass", "area_km2"])
        writer.writeheader()
        writer.writerows(rows)
    index = out_dir / "scenarios.json"
    index.write_text(json.dumps(scenario_results, indent=2, default=str))
    return {"summary_path": str(index), "table_path": str(table)}


def scenario_runs(count: int) -> list[tuple[str, float]]:
    """`count` (scenario, resolution) runs: every SSP at 0.5°, then at 1°."""
    runs = [(s, 0.5) for s in SSPS] + [(s, 1.0) for s in SSPS]
    return runs[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = int(os.environ.get("SCALABLE_SCENARIOS") or 8)
    parser.add_argument("--scenarios", type=int, default=default, help="runs to make (1..12)")
    parser.add_argument("--base-config", default=BASE_CONFIG)
    parser.add_argument("--output-dir", default="./outputs/demeter")
    args = parser.parse_args()

    # Under `scalable run` the manifest and target come from that command
    # (SCALABLE_MANIFEST, SCALABLE_TARGET); run directly, ./scalable.yaml's `local`.
    session = ScalableSession.from_yaml()
    client = session.start()

    config_futures = [
        client.submit(
            prepare_demeter_config, s, args.base_config, args.output_dir, res, tag="preprocess"
        )
        for s, res in scenario_runs(args.scenarios)
    ]
    config_files = client.gather(config_futures)

    scenario_futures = [
        client.submit(run_demeter_scenario, cfg, tag="demeter") for cfg in config_files
    ]
    scenario_results = client.gather(scenario_futures)

    summary = client.submit(aggregate_demeter_outputs, scenario_results, tag="postprocess").result()

    session.record_artifact(summary["table_path"], kind="result")
    print(f"Pipeline complete: {summary['summary_path']}")
    session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
