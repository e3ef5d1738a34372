"""The Slurm launcher on a real single-node Slurm (tests/slurm/cluster.sh).

The fixture installs Debian's slurm-wlm and munge when missing (as root),
starts munged, slurmctld and slurmd on free ports, and stops them afterwards.
Where Slurm cannot be started here every test skips with the reason, and
pytest counts and prints the skips.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scalable import LaunchError, ScalableSession
from scalable.providers import slurm as launcher

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIXTURE = ROOT / "tests" / "fixtures" / "slurm" / "scalable.yaml"
WORKFLOW = ROOT / "docs" / "examples" / "workflow_demeter.py"
GENERATE = ROOT / "examples" / "models" / "demeter" / "scripts" / "generate_data.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running Slurm; yields the environment its commands need."""
    state = tmp_path_factory.mktemp("slurm")
    script = ROOT / "tests" / "slurm" / "cluster.sh"
    ports = {
        "SLURM_TEST_CTLD_PORT": str(_free_port()),
        "SLURM_TEST_SLURMD_PORT": str(_free_port()),
    }
    env = {**os.environ, **ports}
    started = subprocess.run(
        [str(script), "start", str(state)], capture_output=True, text=True, env=env, timeout=600
    )
    if started.returncode == 3:
        pytest.skip(started.stderr.strip())
    assert started.returncode == 0, started.stdout + started.stderr
    conf = started.stdout.strip().splitlines()[-1].removeprefix("SLURM_CONF=")
    try:
        yield {"SLURM_CONF": conf}
    finally:
        subprocess.run([str(script), "stop", str(state)], env=env, timeout=60, check=False)


@pytest.fixture(scope="module")
def demeter_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("inputs") / "demeter_data"
    subprocess.run([sys.executable, str(GENERATE), str(data)], check=True, capture_output=True)
    return data


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slurm: dict[str, str], demeter_data: Path
) -> Path:
    shutil.copy(FIXTURE, tmp_path / "scalable.yaml")
    (tmp_path / "demeter_data").symlink_to(demeter_data)
    monkeypatch.chdir(tmp_path)
    for name, value in slurm.items():
        monkeypatch.setenv(name, value)
    for name in ["SCALABLE_RUN_DIR", "SCALABLE_RUNS_DIR", "SCALABLE_TARGET", "SCALABLE_MANIFEST"]:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def events(run: Path, stream: str) -> list[dict[str, Any]]:
    path = run / f"{stream}.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def only_run(project: Path) -> Path:
    [run] = sorted((project / ".scalable" / "runs").iterdir())
    return run


def run_command(scenarios: int) -> list[str]:
    return [
        str(BIN / "scalable"),
        "run",
        "scalable.yaml",
        "--target",
        "slurm",
        "--workflow",
        str(WORKFLOW),
        "--",
        "--scenarios",
        str(scenarios),
    ]


def job_ids(run: Path) -> dict[str, str]:
    """Worker name -> Slurm job id, from the workers' own identity events."""
    return {
        e["worker"]: e["slurm_job_id"]
        for e in events(run, "workers")
        if e["event"] == "identity" and "slurm_job_id" in e
    }


def queued_jobs() -> list[str]:
    """Jobs pending or running (not those completing after a cancel)."""
    out = subprocess.run(
        ["squeue", "-h", "-t", "PENDING,RUNNING", "-o", "%i"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_example_pipeline_runs_with_workers_as_slurm_jobs(project: Path) -> None:
    out = subprocess.run(run_command(8), capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    run = only_run(project)
    assert json.loads((run / "run.json").read_text())["status"] == "succeeded"
    jobs = job_ids(run)
    # 1 preprocess, 1 postprocess and at least one demeter worker, each its own job.
    assert len(jobs) >= 3 and len(set(jobs.values())) == len(jobs), jobs
    for worker, job in jobs.items():
        assert worker.endswith(f"-{job}"), (worker, job)
    finished = [e for e in events(run, "tasks") if e["event"] == "finished"]
    assert len(finished) == 8 + 8 + 1
    for e in finished:
        group = {"run_demeter_scenario": "demeter", "prepare_demeter_config": "preprocess"}
        expected = group.get(e["task"], "postprocess")
        assert e["worker"] in jobs and f"-{expected}-" in e["worker"], e
    # Every job was cancelled at close: none is left behind.
    assert not set(jobs.values()) & set(queued_jobs())


def test_a_cancelled_worker_job_is_retried_and_recorded(project: Path) -> None:
    proc = subprocess.Popen(
        run_command(12),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        victim = _wait_for_running_demeter_job(project)
        subprocess.run(["scancel", victim], check=True)
        output, _ = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, output
    run = only_run(project)
    assert json.loads((run / "run.json").read_text())["status"] == "succeeded"
    tasks = events(run, "tasks")
    assert any(e["event"] == "retried" for e in tasks), "the cancelled job's task was retried"
    done = {e["key"] for e in tasks if e["event"] == "finished"}
    assert len(done) == 12 + 12 + 1
    [cancelled] = [e for e in events(run, "failures") if e.get("slurm_job_id") == victim]
    assert cancelled["event"] == "job-cancelled"
    assert cancelled["job_state"] == "CANCELLED"
    assert cancelled["evidence"] == "provider"


def _wait_for_running_demeter_job(project: Path, timeout: float = 300) -> str:
    """The Slurm job of a worker running a demeter task, once there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = project / ".scalable" / "runs"
        for run in runs.iterdir() if runs.is_dir() else []:
            jobs = job_ids(run)
            for e in events(run, "tasks"):
                if e["event"] == "started" and e["task"] == "run_demeter_scenario":
                    if e.get("worker") in jobs:
                        return jobs[e["worker"]]
        time.sleep(0.2)
    raise AssertionError("no demeter task started on a Slurm worker")


def _plan(project: Path, text: str | None = None) -> dict[str, Any]:
    if text is not None:
        (project / "scalable.yaml").write_text(text)
    session = ScalableSession.from_yaml(project / "scalable.yaml", target="slurm")
    plan: dict[str, Any] = json.loads(session.plan().to_json())
    return plan


def test_preflight_refuses_a_missing_mount_before_any_sbatch(project: Path) -> None:
    text = FIXTURE.read_text().replace(
        "  demeter:\n    cpus: 1\n", "  demeter:\n    cpus: 1\n    mounts:\n      ./gone: /data\n"
    )
    (project / "dangling").symlink_to(project / "nowhere")
    plan = _plan(project, text.replace("./gone", "./dangling"))
    before = queued_jobs()
    with pytest.raises(
        LaunchError, match=r"component `demeter` mounts .*dangling.* broken symlink"
    ):
        launcher.launch(plan)
    assert queued_jobs() == before


def test_preflight_refuses_an_image_with_other_dask(project: Path, tmp_path: Path) -> None:
    # An apptainer on PATH that runs the version probe in a Python whose
    # distributed is older than the client's.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apptainer").write_text(
        "#!/bin/sh\n"
        'echo \'{"dask": "2026.8.0", "distributed": "2024.1.0", "cloudpickle": "3.1.1"}\'\n'
    )
    (fake / "apptainer").chmod(0o755)
    os.environ["PATH"] = f"{fake}{os.pathsep}{os.environ['PATH']}"
    try:
        text = FIXTURE.read_text().replace(
            "  demeter:\n    cpus: 1\n",
            "  demeter:\n    image: ghcr.io/jgcri/demeter:2.0.1\n    runtime: apptainer\n"
            "    cpus: 1\n",
        )
        plan = _plan(project, text)
        before = queued_jobs()
        with pytest.raises(LaunchError, match=r"does not match this client: distributed 2024.1.0"):
            launcher.launch(plan)
        assert queued_jobs() == before
    finally:
        os.environ["PATH"] = os.environ["PATH"].split(os.pathsep, 1)[1]


def test_job_states_from_scontrol_become_failure_evidence() -> None:
    line = (
        "JobId=41 JobName=demeter-slurm-demeter UserId=root(0) JobState=TIMEOUT "
        "Reason=TimeLimit Dependency=(null) Requeue=1 Restarts=0 ExitCode=0:15 NodeList=vm"
    )
    states = launcher.parse_scontrol(line + "\n")
    [event] = launcher.failure_events(states)
    assert event["event"] == "walltime"
    assert event["worker"] == "demeter-slurm-demeter-41"
    assert event["exit_code"] == 0 and event["signal"] == 15
    assert "TIMEOUT" in event["reason"]
    assert (
        launcher.failure_events(launcher.parse_scontrol(line.replace("TIMEOUT", "RUNNING"))) == []
    )
