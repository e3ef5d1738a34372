"""Orchestration overhead: Scalable (telemetry on) against raw ``dask.distributed``.

    .venv/bin/python bench/overhead.py [--tasks 2000] [--reps 9] [--warmup 200]

``bash bench/overhead.sh`` builds the wheel first and runs this. Results are in
docs/performance.md ("Orchestration overhead").

Both sides run the same cluster shape: the scheduler and one Nanny worker per
planned worker on 127.0.0.1, built from the plan of one small manifest by
``scalable.providers.local.worker_specs``. The raw side is a
``distributed.SpecCluster`` of those specs with a plain ``distributed.Client``;
the Scalable side is ``ScalableSession.start()``: the same cluster, a
``ScalableClient``, the scheduler plugin and a run record (in a temporary
``SCALABLE_RUNS_DIR``). Only one cluster runs at a time.

What is timed, on each side: submitting ``--tasks`` no-op tasks one by one
(``pure=False``, each with one integer argument) and gathering them. Tasks go
round-robin to the components: ``tag=`` on Scalable, the equivalent
``resources=`` on raw Dask, so both are routed alike. Each repetition starts a
fresh cluster, runs ``--warmup`` tasks untimed, then the timed batch; the order
of the two sides alternates between repetitions. The Scalable side's event drain
(``Telemetry.flush`` after the gather) is reported apart, and the run record is
checked afterwards: every task must have its submitted, started and finished
events. Also reported: the CPU time of this process (client, scheduler and
telemetry all run in it) per task.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MANIFEST = """\
version: 1
project: {name: overhead}
targets:
  local: {provider: local, max_workers: 2, threads_per_worker: 1}
components:
  alpha: {cpus: 1, memory: 256M}
  beta: {cpus: 1, memory: 256M}
tasks:
  first: {component: alpha}
  second: {component: beta}
"""


# Sessions stay referenced until exit. Every thread started while a session is
# open keeps ``sys.excepthook`` (the session's bound ``_note_crash``) alive, so
# the session could otherwise be freed on a Dask thread, where dropping its
# thread-bound ``Manifest`` raises.
_SESSIONS: list[Any] = []
CPU: list[float] = []


def noop(i: int) -> None:
    """The task: nothing."""
    del i


def submit_and_gather(
    submit: Callable[[int], Any], gather: Callable[[list[Any]], Any], n: int
) -> float:
    """Seconds to submit ``n`` tasks one by one and gather them; the CPU
    seconds of this process (client, scheduler, telemetry) go to ``CPU``."""
    start, cpu = time.perf_counter(), time.process_time()
    futures = [submit(i) for i in range(n)]
    gather(futures)
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - start


def run_raw(plan: dict[str, Any], tags: list[str], n: int, warmup: int) -> dict[str, float]:
    from distributed import Client, Scheduler, SpecCluster

    from scalable.providers.local import LOOPBACK, worker_specs

    scheduler = {"cls": Scheduler, "options": {"host": LOOPBACK, "port": 0, "dashboard": False}}
    cluster = SpecCluster(scheduler=scheduler, workers=worker_specs(plan), silence_logs=40)
    client = Client(cluster)
    try:
        client.wait_for_workers(len(cluster.worker_spec))

        def submit(i: int) -> Any:
            return client.submit(noop, i, resources={tags[i % len(tags)]: 1}, pure=False)

        submit_and_gather(submit, client.gather, warmup)
        seconds = submit_and_gather(submit, client.gather, n)
    finally:
        client.close()
        cluster.close()
    return {"seconds": seconds, "cpu": CPU[-1]}


def run_scalable(manifest: Path, tags: list[str], n: int, warmup: int) -> dict[str, float]:
    from scalable import ScalableSession

    session = ScalableSession.from_yaml(manifest)
    _SESSIONS.append(session)
    client = session.start()
    try:
        client.wait_for_workers(len(client.tags))

        def submit(i: int) -> Any:
            return client.submit(noop, i, tag=tags[i % len(tags)], pure=False)

        submit_and_gather(submit, client.gather, warmup)
        seconds = submit_and_gather(submit, client.gather, n)
        drain_start = time.perf_counter()
        telemetry = client._telemetry
        assert telemetry is not None and telemetry.flush(client, timeout=60)
        drain = time.perf_counter() - drain_start
        run_dir = session.run_dir
    finally:
        session.close()
    assert run_dir is not None
    check_record(run_dir, n + warmup)
    return {"seconds": seconds, "cpu": CPU[-1], "drain": drain}


def check_record(run_dir: Path, expected: int) -> None:
    """Every task has submitted, started and finished events in the run record."""
    events: dict[str, set[str]] = {}
    with open(run_dir / "tasks.jsonl", encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            if str(event.get("task", "")).startswith("noop"):
                events.setdefault(event["key"], set()).add(event["event"])
    complete = [k for k, e in events.items() if {"submitted", "started", "finished"} <= e]
    if len(events) != expected or len(complete) != expected:
        sys.exit(
            f"run record {run_dir}: {len(complete)} complete of {len(events)}, want {expected}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    # Workers inherit this process's Dask config: keep their start-up banners quiet.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    tmp = Path(tempfile.mkdtemp(prefix="scalable-overhead-"))
    try:
        measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args: argparse.Namespace, tmp: Path) -> None:
    from scalable import ScalableSession

    os.environ["SCALABLE_RUNS_DIR"] = str(tmp / "runs")
    manifest = tmp / "scalable.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    plan = json.loads(ScalableSession.from_yaml(manifest).plan().to_json())
    tags = sorted(g["name"] for g in plan["worker_groups"])
    workers = sum(g["scaling"].get("count", 0) for g in plan["worker_groups"])

    cpu = "?"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import dask
    import distributed

    print(
        f"== {os.cpu_count()} CPUs ({cpu}); Python {platform.python_version()}; "
        f"dask {dask.__version__}, distributed {distributed.__version__}; "
        f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}"
    )
    print(f"== load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"== {args.tasks} no-op tasks submitted one by one and gathered, {args.reps} reps "
        f"(+{args.warmup} warm-up tasks each); {workers} workers ({', '.join(tags)}), 1 thread each"
    )

    raw: list[float] = []
    scalable: list[float] = []
    raw_cpu: list[float] = []
    scalable_cpu: list[float] = []
    drains: list[float] = []
    for rep in range(args.reps):
        order = ["raw", "scalable"] if rep % 2 == 0 else ["scalable", "raw"]
        line = []
        for side in order:
            if side == "raw":
                r = run_raw(plan, tags, args.tasks, args.warmup)
                raw.append(r["seconds"])
                raw_cpu.append(r["cpu"])
            else:
                r = run_scalable(manifest, tags, args.tasks, args.warmup)
                scalable.append(r["seconds"])
                scalable_cpu.append(r["cpu"])
                drains.append(r["drain"])
            line.append(f"{side} {r['seconds'] * 1000 / args.tasks:.3f} ms/task")
        print(f"rep {rep + 1}: " + ", ".join(line), flush=True)

    raw_median = statistics.median(raw)
    scalable_median = statistics.median(scalable)
    ratio = scalable_median / raw_median
    per_rep = sorted(s / r for s, r in zip(scalable, raw, strict=True))
    results = {
        "tasks": args.tasks,
        "reps": args.reps,
        "raw_seconds": raw,
        "scalable_seconds": scalable,
        "raw_cpu_seconds": raw_cpu,
        "scalable_cpu_seconds": scalable_cpu,
        "scalable_drain_seconds": drains,
        "raw_ms_per_task": raw_median * 1000 / args.tasks,
        "scalable_ms_per_task": scalable_median * 1000 / args.tasks,
        "ratio": ratio,
        "cpu_ratio": statistics.median(scalable_cpu) / statistics.median(raw_cpu),
    }
    print()
    print("| | median (s) | ms per task | min..max (s) | CPU ms per task (this process) |")
    print("|:---|---:|---:|---:|---:|")
    sides = (
        ("raw dask.distributed", raw, raw_cpu),
        ("Scalable, telemetry on", scalable, scalable_cpu),
    )
    for name, xs, cpu in sides:
        print(
            f"| {name} | {statistics.median(xs):.3f} | "
            f"{statistics.median(xs) * 1000 / args.tasks:.3f} | {min(xs):.3f}..{max(xs):.3f} | "
            f"{statistics.median(cpu) * 1000 / args.tasks:.3f} |"
        )
    spread = f"per rep {per_rep[0]:.3f}..{per_rep[-1]:.3f}"
    cpu_ratio = statistics.median(scalable_cpu) / statistics.median(raw_cpu)
    print(f"| ratio Scalable / raw | **{ratio:.3f}x** | | {spread} | {cpu_ratio:.3f}x |")
    drain_ms = statistics.median(drains) * 1000
    print(f"Scalable event drain after the gather (untimed): median {drain_ms:.0f} ms")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"== ratio {ratio:.3f} ({'within' if ratio <= 1.15 else 'ABOVE'} the 1.15 target)")


# Nanny workers re-import the main module: run only when executed.
if __name__ == "__main__":
    main()
