"""scalable.ai.diagnose_run and `scalable diagnose` on a real failed run: a
local Dask cluster runs a small ensemble whose fine-resolution scenarios raise
MemoryError and some of whose scenarios lack their constraints file."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scalable import RunError
from scalable.ai import DiagnoseResult, diagnose_run

BIN = Path(sys.executable).parent

MANIFEST = """\
version: 1
project: {name: diagtest}
targets:
  local: {provider: local, max_workers: 2, threads_per_worker: 1}
  local-big: {provider: local, max_workers: 2, threads_per_worker: 1, overlay: big-memory}
components:
  model: {cpus: 1, memory: 512M}
tasks:
  run_scenario: {component: model}
overlays:
  big-memory:
    components:
      model: {memory: 2G}
"""

# Resolutions by scenario (the workflow below holds the same list); s5 and s8
# have no constraints file.
RESOLUTIONS = [0.05, 0.1, 0.05, 0.25, 0.5, 0.25, 0.5, 1.0, 0.25, 0.5]
MISSING = {5, 8}

WORKFLOW = """\
import os
from scalable import ScalableSession

RESOLUTIONS = [0.05, 0.1, 0.05, 0.25, 0.5, 0.25, 0.5, 1.0, 0.25, 0.5]

def run_scenario(scenario: str, spatial_resolution: float, data_dir: str) -> str:
    if spatial_resolution <= 0.1:
        cells = int(3600 / spatial_resolution) ** 2
        raise MemoryError(f"Unable to allocate {cells * 8 / 2**30:.1f} GiB for the density grid")
    path = os.path.join(data_dir, scenario, "constraints", "soil_quality.csv")
    with open(path) as f:
        return f.read()

def main() -> int:
    session = ScalableSession.from_yaml()
    client = session.start()
    data = os.path.abspath("data")
    futures = [
        client.submit(run_scenario, f"s{i}", r, data, tag="model")
        for i, r in enumerate(RESOLUTIONS)
    ]
    for f in futures:
        try:
            f.result()
        except (MemoryError, FileNotFoundError) as e:
            print("caught", type(e).__name__)
    session.close()
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
"""


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The record of one real run of the ensemble (shared by the tests)."""
    project = tmp_path_factory.mktemp("diag")
    (project / "scalable.yaml").write_text(MANIFEST)
    (project / "workflow.py").write_text(WORKFLOW)
    for i in range(len(RESOLUTIONS)):
        if i not in MISSING:
            constraints = project / "data" / f"s{i}" / "constraints"
            constraints.mkdir(parents=True)
            (constraints / "soil_quality.csv").write_text("cell,quality\n1,0.5\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SCALABLE_RUN_DIR", "SCALABLE_RUNS_DIR", "SCALABLE_TARGET"}
    }
    out = subprocess.run(
        [str(BIN / "scalable"), "run", "scalable.yaml", "--workflow", "workflow.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr
    assert f"RESOLUTIONS = {RESOLUTIONS}" in WORKFLOW
    [run] = sorted((project / ".scalable" / "runs").iterdir())
    assert json.loads((run / "run.json").read_text())["status"] == "failed"
    return run


def test_ranks_the_classes_with_their_counts_and_threshold(failed_run: Path) -> None:
    result = diagnose_run(run_dir=failed_run, no_ai=True)
    assert isinstance(result, DiagnoseResult)
    assert result.mode == "heuristic"
    assert result.status == "failed"
    assert result.failures == 5
    found = [(f.severity, f.category, f.count) for f in result.findings]
    assert found == [("primary", "oom", 3), ("secondary", "mount_missing", 2)]
    oom, missing = result.findings
    assert oom.rule == "spatial_resolution <= 0.1"
    assert "none of the 5 successful run_scenario tasks" in oom.pattern
    assert "MemoryError" in oom.evidence
    assert oom.suggestion.startswith("Apply the `big-memory` overlay (`model.memory: 2G`)")
    assert "target `local-big` applies it" in oom.suggestion
    # The record keeps str(exception), so the missing file is named.
    assert missing.pattern.startswith("`FileNotFoundError: ")
    assert "No such file or directory: " in missing.pattern
    assert "/constraints/" in missing.pattern
    assert "`mounts:` block of the `model` component" in missing.suggestion
    assert result.summary.startswith("Memory exhaustion (3 of 5 failures): ")
    assert result.recommendations == [oom.suggestion, missing.suggestion]
    assert result.text.startswith("═" * 59 + f"\nDiagnosis: {failed_run.name}\n")
    assert "Status: failed (5 task failures across 10 run_scenario tasks)" in result.text
    assert json.loads(result.to_json())["findings"][0]["category"] == "oom"


def test_latest_and_the_command_agree(failed_run: Path) -> None:
    root = failed_run.parent
    assert diagnose_run(latest=True, root=root) == diagnose_run(run_dir=failed_run)
    assert diagnose_run(run=failed_run.name[-8:], root=root).run_id == failed_run.name
    out = subprocess.run(
        [str(BIN / "scalable"), "diagnose", str(failed_run), "--no-ai"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == diagnose_run(run_dir=failed_run).text


def test_errors_are_run_errors(tmp_path: Path) -> None:
    with pytest.raises(RunError) as e:
        diagnose_run(run_dir=tmp_path)
    assert e.value.code == "E_RUN_NOT_FOUND"
    with pytest.raises(RunError) as e:
        diagnose_run(latest=True, root=tmp_path)
    assert e.value.code == "E_NO_RUNS"
    with pytest.raises(ValueError):
        diagnose_run(tmp_path, latest=True)


def test_the_tutorial_snippet(failed_run: Path) -> None:
    """Tutorial Step 3's programmatic access, verbatim but for the path."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = diagnose_run(
            run_dir=str(failed_run) + "/",
            no_ai=True,
        )

        print(f"Root cause: {result.summary}")
        for finding in result.findings:
            print(f"  [{finding.severity}] {finding.category}")
            print(f"    Pattern: {finding.pattern}")
            print(f"    Suggestion: {finding.suggestion}")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Root cause: Memory exhaustion (3 of 5 failures): Tasks with")
    assert lines[1] == "  [primary] oom"
    assert lines[4] == "  [secondary] mount_missing"
