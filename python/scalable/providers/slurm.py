"""The Slurm launcher: a Dask scheduler in this process and one Slurm job per
planned worker, each job the sbatch script ``scalable plan --emit`` writes.

dask-jobqueue submits, tracks and cancels the jobs; Scalable only supplies the
script, so what runs on the cluster is byte for byte what the user can read
in ``sbatch-<group>.sh``. Every worker advertises its component as a Dask
resource (``--resources <group>=1``) and is named ``<job_name>-<SLURM_JOB_ID>``,
so the run record ties each worker to its Slurm job.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from distributed import Scheduler, SpecCluster

from scalable._core import Plan
from scalable.providers._launch import fail, require

LOOPBACK_INTERFACES = {"lo", "lo0"}


def _job_class() -> Any:
    SLURMJob = require("dask_jobqueue.slurm", "slurm").SLURMJob

    class EmittedJob(SLURMJob):  # type: ignore[misc,valid-type]
        """A dask-jobqueue Slurm job whose script is the emitted sbatch script."""

        def __init__(self, scheduler: str, name: str, *, script: str, **options: Any) -> None:
            super().__init__(scheduler=scheduler, name=name, **options)
            self._script = script

        def job_script(self) -> str:
            return self._script

        async def _submit_job(self, script_filename: str) -> str:
            # The script reads the scheduler from the environment sbatch passes
            # on, and finds `dask` on PATH: this interpreter's, first.
            bindir = str(Path(sys.executable).parent)
            env = {
                **os.environ,
                "SCALABLE_SCHEDULER_ADDRESS": self.scheduler,
                "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
            }
            out: str = await self._call(["sbatch", script_filename], env=env)
            return out

    return EmittedJob


def worker_count(group: dict[str, Any]) -> int:
    """Workers to submit for a group: the fixed count, else the adaptive minimum
    (at least one, so every tag has somewhere to run)."""
    scaling = group["scaling"]
    if scaling.get("mode") == "fixed":
        return int(scaling.get("count", 0))
    return max(1, int(scaling.get("minimum", 0)))


def worker_specs(plan: dict[str, Any], job_cls: Any) -> dict[str, dict[str, Any]]:
    """One spec per planned worker, each submitting its group's emitted script."""
    scripts = Plan.from_json(json.dumps(plan)).artifacts()
    specs: dict[str, dict[str, Any]] = {}
    for group in plan["worker_groups"]:
        sizing = group["sizing"]
        script = scripts.get(f"sbatch-{group['name']}.sh")
        if script is None:
            fail(
                "E_LAUNCH_FAILED",
                f"the plan has no sbatch script for worker group `{group['name']}`",
                "re-plan with this version of scalable (`scalable plan --target ...`)",
            )
        for i in range(worker_count(group)):
            specs[f"{group['name']}-{i}"] = {
                "cls": job_cls,
                "options": {
                    "script": script,
                    # What dask-jobqueue checks and reports; the script decides.
                    "cores": sizing["cores"],
                    "memory": sizing["memory"],
                    "job_name": sizing["job_name"],
                },
            }
    return specs


def scheduler_spec(options: dict[str, Any]) -> dict[str, Any]:
    """The scheduler listens where the workers can reach it: on the target's
    ``interface`` (``ib0``), at ``comm_port`` when set."""
    scheduler: dict[str, Any] = {"port": options.get("comm_port") or 0, "dashboard": False}
    interface = options.get("interface")
    if interface in LOOPBACK_INTERFACES:
        scheduler["host"] = "127.0.0.1"
    elif interface:
        scheduler["interface"] = interface
    return {"cls": Scheduler, "options": scheduler}


# What the client and every worker must agree on: Dask's wire protocol and
# the serialisation of task functions and results.
MATCHED_PACKAGES = ("dask", "distributed", "cloudpickle")
_VERSIONS = (
    "import importlib.metadata as m, json; "
    f"print(json.dumps({{p: m.version(p) for p in {MATCHED_PACKAGES!r}}}))"
)


def local_versions() -> dict[str, str]:
    """This interpreter's versions of the packages workers must match."""
    from importlib.metadata import version

    return {p: version(p) for p in MATCHED_PACKAGES}


def container_runtime(plan: dict[str, Any], group: dict[str, Any]) -> str | None:
    """`apptainer` or `singularity` when the group's worker runs in a container
    (the rule the emitted script follows)."""
    if group.get("runtime") == "none" or not group.get("image"):
        return None
    runtime = plan["provider"]["options"].get("container_runtime") or group.get("runtime")
    return runtime if runtime in ("apptainer", "singularity") else None


def check_mounts(group: dict[str, Any]) -> None:
    """Every host path the group binds exists, symlinks followed."""
    for mount in group.get("mounts") or []:
        host = Path(mount["host"])
        try:
            host.resolve(strict=True)
        except (OSError, RuntimeError):
            what = "is a broken symlink" if host.is_symlink() else "does not exist"
            fail(
                "E_LAUNCH_PREFLIGHT",
                f"component `{group['name']}` mounts {host} at {mount['container']}, "
                f"but {host} {what}",
                f"create it, or fix `components.{group['name']}.mounts` in the manifest",
            )


def check_versions(plan: dict[str, Any], group: dict[str, Any], want: dict[str, str]) -> None:
    """The group's worker Python has the client's dask, distributed and cloudpickle."""
    runtime = container_runtime(plan, group)
    name = group["name"]
    if runtime is None:
        if not (Path(sys.executable).parent / "dask").exists():
            fail(
                "E_LAUNCH_PREFLIGHT",
                f"workers of `{name}` run `dask worker` from {Path(sys.executable).parent}, "
                "which has no `dask` command",
                "install distributed into this environment",
            )
        return  # the same interpreter as this client
    if shutil.which(runtime) is None:
        fail(
            "E_LAUNCH_DEPENDENCY",
            f"component `{name}` runs in {runtime}, which is not on PATH here",
            f"load its module, or set `container_runtime` / `components.{name}.runtime: none`",
        )
    image = group["image"]
    args = [runtime, "exec", image, "python3", "-c", _VERSIONS]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
        have = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        have = None
    if not isinstance(have, dict):
        fail(
            "E_LAUNCH_PREFLIGHT",
            f"could not read the Python packages of `{name}`'s image {image} with "
            f"`{' '.join(args[:3])} python3`",
            "the image needs python3 with dask, distributed and cloudpickle",
        )
    wrong = [
        f"{p} {have.get(p, 'missing')} (client {v})" for p, v in want.items() if have.get(p) != v
    ]
    if wrong:
        fail(
            "E_LAUNCH_PREFLIGHT",
            f"`{name}`'s image {image} does not match this client: {', '.join(wrong)}",
            "install the same versions in the image (or the client) so tasks and results "
            "deserialise on both sides",
        )


def preflight(plan: dict[str, Any]) -> None:
    """Fail before anything is submitted: no sbatch here, a mount that does not
    exist, a worker environment whose Dask differs from this client's."""
    if shutil.which("sbatch") is None:
        fail(
            "E_LAUNCH_DEPENDENCY",
            "Slurm target, but `sbatch` is not on PATH",
            "run from a login node of the cluster (or load its slurm module), or write "
            "the scripts with `scalable plan --emit DIR`",
        )
    want = local_versions()
    for group in plan["worker_groups"]:
        if worker_count(group) == 0:
            continue
        check_mounts(group)
        check_versions(plan, group, want)


def launch(plan: dict[str, Any]) -> SpecCluster:
    """Start the scheduler here and submit one Slurm job per planned worker."""
    preflight(plan)
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    specs = worker_specs(plan, _job_class())
    try:
        return SpecCluster(
            scheduler=scheduler_spec(plan["provider"]["options"]),
            workers=specs,
            name=f"scalable-{plan['project']}-{plan['target']}",
            silence_logs=40,
        )
    except RuntimeError as e:
        # dask-jobqueue raises RuntimeError with sbatch's output when it refuses a job.
        fail("E_LAUNCH_FAILED", f"sbatch refused a worker job: {e}", "see sbatch's words above")


# Job states that end a worker for a reason worth diagnosing, and the
# `failures.jsonl` event each becomes.
FAILURE_STATES = {
    "OUT_OF_MEMORY": "memory-limit",
    "TIMEOUT": "walltime",
    "DEADLINE": "walltime",
    "NODE_FAIL": "node-fail",
    "BOOT_FAIL": "node-fail",
    "FAILED": "exit",
    "CANCELLED": "job-cancelled",
    "PREEMPTED": "preempted",
}


def parse_scontrol(text: str) -> dict[str, dict[str, str]]:
    """``scontrol -o show job`` lines as job id -> fields (JobState, ExitCode, ...)."""
    jobs: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        fields = dict(
            word.split("=", 1) for word in line.split() if "=" in word and not word.startswith("=")
        )
        if "JobId" in fields:
            jobs[fields["JobId"]] = fields
    return jobs


def parse_sacct(text: str) -> dict[str, dict[str, str]]:
    """``sacct -n -P -X -o JobID,JobName,State,ExitCode,Reason`` as job id -> fields."""
    jobs: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) >= 4:
            state = parts[2].split()[0] if parts[2] else ""
            jobs[parts[0]] = {
                "JobId": parts[0],
                "JobName": parts[1],
                "JobState": state,
                "ExitCode": parts[3],
                "Reason": parts[4] if len(parts) > 4 else "",
            }
    return jobs


def _run(args: list[str]) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def job_states(job_ids: list[str]) -> dict[str, dict[str, str]]:
    """What Slurm says of the jobs: ``sacct`` when accounting is on, else
    ``scontrol`` (which remembers a finished job for MinJobAge, 5 min by default)."""
    if not job_ids:
        return {}
    fields = "JobID,JobName,State,ExitCode,Reason"
    text = _run(["sacct", "-n", "-P", "-X", "-j", ",".join(job_ids), "-o", fields])
    states = parse_sacct(text) if text else {}
    for job in job_ids:
        if job not in states:
            states.update(parse_scontrol(_run(["scontrol", "-o", "show", "job", job]) or ""))
    return {job: states[job] for job in job_ids if job in states}


def failure_events(states: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """A `failures.jsonl` event for every job Slurm ended for a reason."""
    events = []
    for job, fields in sorted(states.items()):
        state = fields.get("JobState", "")
        code, _, signal = fields.get("ExitCode", "0:0").partition(":")
        if state not in FAILURE_STATES:
            continue
        event: dict[str, Any] = {
            "event": FAILURE_STATES[state],
            "evidence": "provider",
            "provider": "slurm",
            "worker": f"{fields.get('JobName', '')}-{job}",
            "slurm_job_id": job,
            "job_state": state,
            "reason": f"Slurm job {job} ended {state} (reason {fields.get('Reason', 'None')})",
        }
        if code.isdigit():
            event["exit_code"] = int(code)
        if signal.isdigit() and int(signal):
            event["signal"] = int(signal)
        events.append(event)
    return events


def evidence(cluster: SpecCluster) -> list[dict[str, Any]]:
    """Before the cluster is closed (which cancels every job): the jobs that
    ended on their own, with Slurm's state and exit code."""
    jobs = [str(job.job_id) for job in cluster.workers.values() if getattr(job, "job_id", None)]
    return failure_events(job_states(jobs))
