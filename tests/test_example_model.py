"""The example land-allocation model in examples/models/demeter: a small, real Demeter.

The inputs are generated into a temporary folder by the example's own script, and the
model runs for real at 0.5 degrees over the globe (about a second and a half a run).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "models" / "demeter"
RES = 0.5


def _import_demeter() -> ModuleType:
    if str(EXAMPLE) not in sys.path:
        sys.path.insert(0, str(EXAMPLE))
    return importlib.import_module("demeter")


def _import_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "demeter_generate_data", EXAMPLE / "scripts" / "generate_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demeter() -> ModuleType:
    return _import_demeter()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generated inputs; the paths returned by generate_data.generate()."""
    return _import_generator().generate(tmp_path_factory.mktemp("gen") / "demeter_data")


@pytest.fixture(scope="module")
def runs(
    demeter: ModuleType, data: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """Reference twice (determinism), ssp3 once, all at 0.5 degrees, as CSV."""
    out = tmp_path_factory.mktemp("runs")
    results = {}
    for name, scenario in (("reference", "reference"), ("again", "reference"), ("ssp3", "ssp3")):
        results[name] = demeter.run_model(
            config_file=data["config"],
            scenario=scenario,
            spatial_resolution=RES,
            output_dir=out / name,
            output_format="csv",
        )
    return results


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    return json.loads(Path(result["summary_path"]).read_text())


def test_generator_writes_the_tutorial_layout(data: dict[str, Path]) -> None:
    config = data["config"]
    assert config.parts[-3:] == ("example", "config_gcam_reference", "config.ini")
    for key in ("projected", "base", "regions"):
        assert data[key].is_file()
    for name in ("soil_quality", "slope", "protected_areas", "constraint_weights"):
        assert (data["constraints_dir"] / f"{name}.csv").is_file()
    projected = pd.read_csv(data["projected"])
    assert list(projected.columns[:5]) == ["scenario", "region", "landclass", "year", "area"]
    assert sorted(projected["scenario"].unique()) == [
        "reference",
        "ssp1",
        "ssp2",
        "ssp3",
        "ssp4",
        "ssp5",
    ]
    assert sorted(projected["year"].unique()) == [2020, 2030, 2040, 2050]
    # Each region keeps its land area in every scenario and year.
    totals = projected.groupby(["scenario", "region", "year"])["area"].sum().unstack("year")
    assert np.allclose(totals.to_numpy(), totals[[2020]].to_numpy(), rtol=1e-6)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    gen = _import_generator()
    a = gen.generate(tmp_path / "a")
    b = gen.generate(tmp_path / "b")
    for key in ("projected", "base", "regions"):
        assert a[key].read_bytes() == b[key].read_bytes()
    for f in sorted(a["constraints_dir"].iterdir()):
        assert f.read_bytes() == (b["constraints_dir"] / f.name).read_bytes()


def test_run_writes_one_file_per_year_and_a_summary(runs: dict[str, dict[str, Any]]) -> None:
    result = runs["reference"]
    out = Path(result["output_dir"])
    assert result["output_format"] == "csv"
    assert result["years"] == [2020, 2030, 2040, 2050]
    assert [Path(p).name for p in result["outputs"]] == [
        f"landcover_{y}.csv" for y in result["years"]
    ]
    for path in result["outputs"]:
        assert Path(path).is_file()
    assert (out / "summary.json").is_file()
    assert not list(out.glob("*.partial"))
    summary = _summary(result)
    assert summary["scenario"] == "reference"
    assert summary["cells"] == int(180 / RES) * int(360 / RES) == result["cells"]
    assert 0 < summary["land_cells"] < summary["cells"]
    assert summary["peak_array_bytes"] > 0
    assert set(summary["area_km2"]) == {"2020", "2030", "2040", "2050"}
    # The result crosses process boundaries: it must pickle.
    import pickle

    assert pickle.loads(pickle.dumps(result)) == result


def _regional_areas(result: dict[str, Any], year: int, classes: list[str]) -> pd.DataFrame:
    table = pd.read_csv(Path(result["output_dir"]) / f"landcover_{year}.csv")
    area = table[classes].mul(table["cell_area_km2"], axis=0)
    area["region_id"] = table["region_id"]
    return area.groupby("region_id").sum()


def test_areas_are_conserved(runs: dict[str, dict[str, Any]], data: dict[str, Path]) -> None:
    result = runs["reference"]
    summary = _summary(result)
    classes = summary["classes"]
    names = pd.read_csv(data["regions"]).set_index("region_name")["region_id"]
    years = summary["years"]
    base_land = None
    for year in years:
        table = pd.read_csv(Path(result["output_dir"]) / f"landcover_{year}.csv")
        fractions = table[classes].to_numpy()
        assert fractions.min() >= 0 and fractions.sum(axis=1).max() <= 1 + 1e-6
        land = fractions.sum(axis=1)
        if base_land is None:
            base_land = land
        # Land changes use, never amount: every cell keeps its land fraction.
        np.testing.assert_allclose(land, base_land, atol=1e-6)

        # What the files hold is what the summary reports as allocated ...
        areas = _regional_areas(result, year, classes)
        for region, per_class in summary["regions"].items():
            for cls in classes:
                allocated = per_class[str(year)][cls]["allocated"]
                from_file = areas.loc[names[region], cls]
                assert from_file == pytest.approx(allocated, rel=1e-6, abs=1.0)

    # ... and the allocated change from the base year is GCAM's projected change.
    first = str(years[0])
    for region, per_year in summary["regions"].items():
        region_land = sum(v["allocated"] for v in per_year[first].values())
        gap = sum(
            abs(v["allocated"] - v["projected"]) for v in per_year[first].values()
        )  # GCAM's base year vs the observed map: a few percent, carried forward
        assert gap < 0.08 * region_land, region
        for year in years[1:]:
            for cls in classes:
                now, base = per_year[str(year)][cls], per_year[first][cls]
                projected_change = now["projected"] - base["projected"]
                allocated_change = now["allocated"] - base["allocated"]
                assert allocated_change == pytest.approx(
                    projected_change, abs=1e-6 * region_land + 1.0
                ), (region, year, cls)
                assert now["allocated"] == pytest.approx(now["target"], abs=1e-3)


def test_runs_are_deterministic(runs: dict[str, dict[str, Any]]) -> None:
    a, b = Path(runs["reference"]["output_dir"]), Path(runs["again"]["output_dir"])
    names = sorted(p.name for p in a.iterdir() if p.name != "logfile.log")
    assert names == sorted(p.name for p in b.iterdir() if p.name != "logfile.log")
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_scenarios_differ(runs: dict[str, dict[str, Any]]) -> None:
    ref, ssp3 = Path(runs["reference"]["output_dir"]), Path(runs["ssp3"]["output_dir"])
    # Same observed base year, different futures.
    assert (ref / "landcover_2020.csv").read_bytes() == (ssp3 / "landcover_2020.csv").read_bytes()
    assert (ref / "landcover_2050.csv").read_bytes() != (ssp3 / "landcover_2050.csv").read_bytes()
    crop_ref = _summary(runs["reference"])["area_km2"]["2050"]["crop_rainfed"]
    crop_ssp3 = _summary(runs["ssp3"])["area_km2"]["2050"]["crop_rainfed"]
    assert crop_ssp3 > crop_ref  # SSP3 (regional rivalry) expands cropland fastest


def test_missing_soil_quality_names_the_file(
    demeter: ModuleType, data: dict[str, Path], tmp_path: Path
) -> None:
    constraints = tmp_path / "run" / "constraints"
    shutil.copytree(data["constraints_dir"], constraints)
    (constraints / "soil_quality.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"constraints/soil_quality\.csv") as err:
        demeter.run_model(
            config_file=data["config"],
            constraints_dir=constraints,
            output_dir=tmp_path / "out",
        )
    assert err.value.filename == str(constraints / "soil_quality.csv")
    assert isinstance(err.value, IOError)  # the tutorial's "IOError: ... not found"
    # A constraints folder that was never copied fails the same way.
    with pytest.raises(FileNotFoundError, match=r"constraints/soil_quality\.csv"):
        demeter.run_model(
            config_file=data["config"],
            constraints_dir=tmp_path / "elsewhere" / "constraints",
            output_dir=tmp_path / "out",
        )


def test_memory_grows_four_fold_when_resolution_halves(
    demeter: ModuleType,
    data: dict[str, Path],
    runs: dict[str, dict[str, Any]],
    tmp_path: Path,
) -> None:
    coarse = demeter.run_model(
        config_file=data["config"],
        spatial_resolution=2 * RES,
        output_dir=tmp_path / "coarse",
        output_format="csv",
    )
    fine = runs["reference"]
    assert fine["cells"] == 4 * coarse["cells"]
    ratio = _summary(fine)["peak_array_bytes"] / _summary(coarse)["peak_array_bytes"]
    assert 3.5 < ratio < 4.5, ratio
    assert _summary(fine)["peak_array_step"].startswith("kd_")  # the kernel-density step


def test_waterfill_respects_capacity_and_total(demeter: ModuleType) -> None:
    from demeter.change import waterfill

    rng = np.random.default_rng(7)
    weight = rng.random(500)
    weight[::7] = 0.0
    capacity = rng.random(500)
    for total in (0.0, 1.0, 50.0, 0.999 * capacity.sum(), 2 * capacity.sum()):
        x = waterfill(total, weight, capacity)
        assert (x >= 0).all() and (x <= capacity + 1e-12).all()
        assert x.sum() == pytest.approx(min(total, capacity.sum()), rel=1e-9, abs=1e-12)


def test_kernel_density_is_a_normalised_smoothing(demeter: ModuleType) -> None:
    grid = np.zeros((2, 40, 60))
    grid[0, 20, 30] = 1.0
    grid[1, :, :5] = 1.0
    density = demeter.kernel_density(grid, 5)
    assert density.shape == grid.shape
    assert density.max(axis=(1, 2)) == pytest.approx([1.0, 1.0])
    assert density[0, 20, 30] == 1.0
    assert density[0, 20, 36] == 0.0  # beyond the kernel's radius
    assert density[0, 20, 33] > 0.0


def test_cli_runs_a_scenario(data: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLE), *sys.path])}
    base = [sys.executable, "-m", "demeter", "--config-file", str(data["config"]), "-q"]
    done = subprocess.run(
        [*base, "--scenario", "ssp1", "--spatial-resolution", "2", "--output-dir", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["scenario"] == "ssp1"
    assert result["output_dir"] == str(tmp_path / "out")  # relative to the caller's cwd
    assert Path(result["summary_path"]).is_file()

    bad = subprocess.run(
        [*base, "--scenario", "ssp9"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "ssp9" in bad.stderr and "available" in bad.stderr
