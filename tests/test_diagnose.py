"""scalable.ai.diagnose_run and `scalable diagnose` on a real failed run.

The example Demeter model runs 13 scenarios on a local Dask cluster
(tests/fixtures/diagnose): the four at 0.2° outgrow their 768M workers and are
killed by the nanny, three lack their constraints file, and two return a log
handler, which cannot be pickled. Then the overlay `diagnose --write-overlay`
proposes is applied to a rerun, which runs only what failed."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scalable import RunError
from scalable.ai import DiagnoseResult, diagnose_run

BIN = Path(sys.executable).parent
FIXTURE = Path(__file__).parent / "fixtures" / "diagnose"
GENERATE = Path(__file__).parents[1] / "examples/models/demeter/scripts/generate_data.py"


def scalable(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"SCALABLE_RUN_DIR", "SCALABLE_RUNS_DIR", "SCALABLE_TARGET", "SCALABLE_MANIFEST"}
    }
    # A task whose worker dies twice is given up on (Dask's default is four
    # deaths), so the out-of-memory scenarios do not take minutes.
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "1"
    return subprocess.run(
        [str(BIN / "scalable"), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def runs(project: Path) -> list[Path]:
    return sorted((project / ".scalable" / "runs").iterdir())


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("diag")
    for name in ("scalable.yaml", "workflow.py"):
        shutil.copy(FIXTURE / name, project / name)
    subprocess.run(
        [sys.executable, str(GENERATE), str(project / "demeter_data")],
        check=True,
        capture_output=True,
    )
    return project


@pytest.fixture(scope="module")
def failed_run(project: Path) -> Path:
    """The record of one real run of the ensemble (shared by the tests)."""
    out = scalable(project, "run", "scalable.yaml", "--workflow", "workflow.py")
    assert out.returncode == 0, out.stderr
    [run] = runs(project)
    assert json.loads((run / "run.json").read_text())["status"] == "failed"
    return run


def test_ranks_the_three_classes_with_their_counts_and_threshold(failed_run: Path) -> None:
    result = diagnose_run(run_dir=failed_run, no_ai=True)
    assert isinstance(result, DiagnoseResult)
    assert result.mode == "heuristic"
    assert result.status == "failed"
    assert result.failures == 9
    found = [(f.severity, f.category, f.count) for f in result.findings]
    assert found == [
        ("primary", "oom", 4),
        ("secondary", "mount_missing", 3),
        ("tertiary", "serialization", 2),
    ]
    oom, missing, pickling = result.findings
    assert oom.rule == "spatial_resolution <= 0.2"
    assert "none of the 4 successful run_demeter_scenario tasks" in oom.pattern
    assert "nanny" in oom.evidence or "memory limit" in oom.evidence
    assert oom.suggestion.startswith("Apply the `big-memory` overlay (`demeter.memory: 2G`)")
    assert oom.overlay == {"components": {"demeter": {"memory": "2G"}}}
    assert "constraints/soil_quality.csv" in missing.pattern
    assert missing.overlay is None
    # The argument that made them keep their log handler separates them.
    assert pickling.pattern.startswith("Both failures have `keep_log == true`; none of the 4")
    assert "cannot pickle '_thread.RLock' object" in pickling.evidence
    assert pickling.suggestion.startswith("In `run_demeter_scenario`, return only the output")
    assert result.overlay == oom.overlay
    assert result.summary.startswith("Memory exhaustion (4 of 9 failures): ")
    assert result.text.startswith("═" * 59 + f"\nDiagnosis: {failed_run.name}\n")
    assert "Status: failed (9 task failures across 13 run_demeter_scenario tasks)" in result.text
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
    assert lines[0].startswith("Root cause: Memory exhaustion (4 of 9 failures): Tasks with")
    assert lines[1] == "  [primary] oom"
    assert lines[4] == "  [secondary] mount_missing"
    assert lines[7] == "  [tertiary] serialization"


def test_the_written_overlay_reruns_only_the_failed_tasks(project: Path, failed_run: Path) -> None:
    """Runs last: it adds the rerun to the project's runs."""
    out = scalable(project, "diagnose", "--latest", "--write-overlay", "fix.yaml")
    assert out.returncode == 0, out.stderr
    assert (
        "apply it with: scalable run scalable.yaml --workflow workflow.py --overlay fix.yaml"
        in (out.stderr)
    )
    assert "memory: 2G" in (project / "fix.yaml").read_text()
    assert scalable(project, "validate", "scalable.yaml", "--overlay", "fix.yaml").returncode == 0

    out = scalable(
        project, "run", "scalable.yaml", "--workflow", "workflow.py", "--overlay", "fix.yaml"
    )
    assert out.returncode == 0, out.stderr
    first, rerun = runs(project)
    assert first == failed_run
    # The four successes come from the cache; the nine failures ran again
    # (a miss is recorded when the function returns, so the three that raise
    # again have none): the four fine runs now fit and are stored, the two
    # log handlers still cannot be.
    cache = Counter(e["event"] for e in events(rerun / "cache.jsonl"))
    assert cache == {"hit": 4, "miss": 6, "store": 4, "store_failed": 2}, cache
    hits = {e["key"] for e in events(rerun / "cache.jsonl") if e["event"] == "hit"}
    first_stores = {e["key"] for e in events(failed_run / "cache.jsonl") if e["event"] == "store"}
    assert hits == first_stores
    # The fine scenarios now fit; the files and the handler are still wrong.
    after = diagnose_run(run_dir=rerun)
    assert [(f.category, f.count) for f in after.findings] == [
        ("mount_missing", 3),
        ("serialization", 2),
    ]
    plan = json.loads((rerun / "plan.json").read_text())
    [demeter] = [g for g in plan["worker_groups"] if g["name"] == "demeter"]
    assert demeter["memory"] == "2G"
