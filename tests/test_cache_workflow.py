"""The example Demeter workflow, every step `@cacheable`, run twice under
`scalable run`: the second run is served from the cache (asserted from its
`cache.jsonl`, whose events the workers sent through Dask) and is faster."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytest.importorskip("demeter", reason="the example model: `make .venv/.model`")


def events(run: Path, stream: str) -> list[dict[str, Any]]:
    text = (run / f"{stream}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def task_span(run: Path) -> float:
    """From the first task's start to the last task's end."""
    done = [e for e in events(run, "tasks") if e["event"] == "finished"]
    return max(e["stop"] for e in done) - min(e["start"] for e in done)


def test_second_run_is_served_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "docs/examples/scalable.demeter.yaml", tmp_path / "scalable.yaml")
    shutil.copy(ROOT / "docs/examples/workflow_demeter.py", tmp_path / "workflow.py")
    for name in ["SCALABLE_RUN_DIR", "SCALABLE_RUNS_DIR", "SCALABLE_CACHE_DIR", "SCALABLE_TARGET"]:
        monkeypatch.delenv(name, raising=False)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples/models/demeter/scripts/generate_data.py"),
            "demeter_data",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    command = [
        str(BIN / "scalable"), "run", "scalable.yaml", "--target", "local",
        "--workflow", "workflow.py", "--", "--scenarios", "2",
    ]  # fmt: skip
    walls = []
    for _ in range(2):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        walls.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stdout + done.stderr
    first, second = sorted((tmp_path / ".scalable/runs").iterdir())

    cached = [e for e in events(first, "cache") if e["event"] in ("miss", "store")]
    # 2 configs, 2 Demeter runs, 1 aggregation: each missed and was stored.
    assert sorted(e["event"] for e in cached) == ["miss"] * 5 + ["store"] * 5
    again = events(second, "cache")
    assert [e["event"] for e in again] == ["hit"] * 5, again
    assert {e["key"] for e in again} == {e["key"] for e in cached}
    saved = sum(e["saved_s"] for e in again)
    assert saved > 0.5, "the Demeter runs' compute time was saved"
    summary = json.loads(
        subprocess.run(
            [str(BIN / "scalable"), "report", str(second), "--format", "json"],
            capture_output=True, text=True, check=True, cwd=tmp_path,
        ).stdout
    )  # fmt: skip
    assert summary["cache"]["hits"] == 5 and summary["cache"]["misses"] == 0
    # The cache lives where the manifest says (project.local_cache).
    assert len(list((tmp_path / ".scalable/cache/entries-v1").glob("*/*"))) == 5
    # Served from the cache, the tasks take a fraction of the first run's time.
    assert task_span(second) < 0.25 * task_span(first), (task_span(first), task_span(second))
    assert walls[1] < walls[0], walls
