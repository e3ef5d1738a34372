"""`scalable run --workflow` end to end on a real local cluster: honest status,
exit codes, Ctrl-C, SIGKILL, direct `python workflow.py`, no lost events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

MANIFEST = """\
version: 1
project: {name: runtest}
targets:
  local: {provider: local, max_workers: 3, threads_per_worker: 1}
components:
  preprocess: {cpus: 1, memory: 256M}
  model: {cpus: 1, memory: 512M}
  post: {cpus: 1, memory: 256M}
tasks:
  prepare: {component: preprocess}
  simulate: {component: model}
  collect: {component: post}
"""

WORKFLOW = """\
import sys, time
from scalable import ScalableSession

def simulate(scenario: str, api_token: str = "hunter2-secret") -> str:
    if scenario == "bad":
        raise RuntimeError("scenario bad diverged")
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
    return scenario

def main() -> int:
    session = ScalableSession.from_yaml()
    client = session.start()
    futures = [client.submit(simulate, s, tag="model") for s in ["a", "b", "bad", "c"]]
    for f in futures:
        try:
            print("result", f.result())
        except RuntimeError as e:
            print("caught", e)
    session.close()
    return int(sys.argv[1]) if len(sys.argv) > 1 else 0

if __name__ == "__main__":
    raise SystemExit(main())
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "scalable.yaml").write_text(MANIFEST)
    (tmp_path / "workflow.py").write_text(WORKFLOW)
    monkeypatch.chdir(tmp_path)
    for name in ["SCALABLE_RUN_DIR", "SCALABLE_RUNS_DIR", "SCALABLE_TARGET", "SCALABLE_MANIFEST"]:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def scalable(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "scalable"), *args], capture_output=True, text=True, timeout=240, **kw
    )  # type: ignore[call-overload, no-any-return]


def only_run(root: Path) -> Path:
    [run] = sorted((root / ".scalable" / "runs").iterdir())
    return run


def events(run: Path, stream: str) -> list[dict[str, object]]:
    lines = (run / f"{stream}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_caught_failure_makes_the_run_failed(project: Path) -> None:
    out = scalable("run", "scalable.yaml", "--target", "local", "--workflow", "workflow.py")
    assert out.returncode == 0, out.stderr
    assert "caught scenario bad diverged" in out.stdout
    run = only_run(project)
    for name in ["manifest.yaml", "plan.json", "manifest.lock", "run.json", "summary.json"]:
        assert (run / name).is_file(), name
    assert (run / "logs" / "workflow.log").read_text().count("result") == 3
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "failed"
    assert "failed" in out.stderr
    [failure] = [e for e in events(run, "failures") if e.get("event") == "failed"]
    assert "RuntimeError" in json.dumps(failure)
    everything = "".join((run / f).read_text() for f in os.listdir(run) if f.endswith(".jsonl"))
    assert "hunter2-secret" not in everything
    report = scalable("report", str(run))
    assert report.returncode == 0 and "1 failed" in report.stdout


def test_workflow_exit_code_passes_through(project: Path) -> None:
    out = scalable("run", "--workflow", "workflow.py", "--", "3")
    assert out.returncode == 3, out.stderr
    assert json.loads((only_run(project) / "run.json").read_text())["status"] == "failed"


def start_slow_run(project: Path) -> subprocess.Popen[bytes]:
    """`scalable run` of a workflow whose tasks sleep 30 s, in its own process
    group, returned once a task has started."""
    proc = subprocess.Popen(
        [str(BIN / "scalable"), "run", "--workflow", "workflow.py", "--", "0", "30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_tasks(project)
    return proc


def test_ctrl_c_interrupts(project: Path) -> None:
    proc = start_slow_run(project)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert json.loads((only_run(project) / "run.json").read_text())["status"] == "interrupted"


def test_sigkill_leaves_a_readable_record(project: Path) -> None:
    proc = start_slow_run(project)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    run = only_run(project)
    report = scalable("report", str(run), "--format", "json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["status"] == "interrupted"


def wait_for_tasks(project: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = project / ".scalable" / "runs"
        if runs.is_dir():
            for run in runs.iterdir():
                tasks = run / "tasks.jsonl"
                if tasks.is_file() and '"started"' in tasks.read_text():
                    return
        time.sleep(0.2)
    raise AssertionError("no task started")


def test_python_workflow_directly_gets_a_record(project: Path) -> None:
    out = subprocess.run(
        [sys.executable, "workflow.py"], capture_output=True, text=True, timeout=240
    )
    assert out.returncode == 0, out.stderr
    record = json.loads((only_run(project) / "run.json").read_text())
    assert record["status"] == "failed"


LOAD = """\
from scalable import ScalableSession

def noop(i: int) -> int:
    return i

if __name__ == "__main__":
    session = ScalableSession.from_yaml()
    client = session.start()
    futures = [client.submit(noop, i, tag="model", pure=False) for i in range(2000)]
    client.gather(futures)
    session.close()
"""


def test_no_event_is_lost_under_load(project: Path) -> None:
    (project / "load.py").write_text(LOAD)
    for _ in range(5):
        out = subprocess.run([sys.executable, "load.py"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    runs = sorted((project / ".scalable" / "runs").iterdir())
    assert len(runs) == 5
    for run in runs:
        final = [e for e in events(run, "tasks") if e["event"] in ("finished", "failed")]
        assert len(final) == 2000
        assert len({e["key"] for e in final}) == 2000
        assert json.loads((run / "run.json").read_text())["status"] == "succeeded"


OOM = """\
import time
from scalable import ScalableSession

def hog(mib: int) -> int:
    block = bytearray(mib * 1024 * 1024)
    time.sleep(3)
    return len(block)

if __name__ == "__main__":
    session = ScalableSession.from_yaml()
    client = session.start()
    try:
        client.submit(hog, 1200, tag="model").result()
    except Exception as e:
        print("caught", type(e).__name__)
    session.close()
"""


def test_worker_killed_for_memory_leaves_evidence(project: Path) -> None:
    (project / "oom.py").write_text(OOM)
    out = scalable("run", "--workflow", "oom.py")
    assert out.returncode == 0, out.stderr
    assert "caught KilledWorker" in out.stdout
    run = only_run(project)
    failures = events(run, "failures")
    lost = [e for e in failures if e["event"] == "worker-lost"]
    assert len(lost) >= 2 and all(e["task"] == "hog" for e in lost)
    assert all(e.get("memory_limit") == 512 * 1024 * 1024 for e in lost)
    [killed] = [e for e in failures if e["event"] == "failed"]
    assert killed["exception"]["type"] == "KilledWorker"
    assert json.loads((run / "run.json").read_text())["status"] == "failed"
