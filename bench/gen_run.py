"""Writes a closed run record of N tasks, F of them failed, with the real
recorder: the input of bench/diagnose.sh.

    python bench/gen_run.py ROOT [TASKS] [FAILURES]

Failures cycle through four classes (MemoryError, a missing file, a model
ValueError, KilledWorker); every task has a scenario and a size argument.
Prints the run directory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scalable._core import RunRecorder

MANIFEST = """\
version: 1
project: {name: bench}
targets: {local: {provider: local}}
components: {model: {cpus: 1, memory: 4G}}
tasks: {simulate: {component: model}}
"""
T0 = 1_779_250_500.0


def failure(i: int) -> dict[str, object]:
    kind, message = [
        ("MemoryError", "Unable to allocate 2.1 GiB"),
        ("FileNotFoundError", "[Errno 2] No such file or directory: 'in/x.csv'"),
        ("ValueError", f"bad cell {i}"),
        ("KilledWorker", "workers died"),
    ][i % 4]
    return {"type": kind, "message": message}


def main() -> None:
    root = Path(sys.argv[1])
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    failures = int(sys.argv[3]) if len(sys.argv) > 3 else 2_000
    plan = {"target": "local", "provider": {"name": "local"}}
    rec = RunRecorder.create(root, "bench", MANIFEST, json.dumps(plan), None, [])
    events = []
    for i in range(tasks):
        key = f"simulate-{i:016x}"
        start = T0 + 0.5 * i
        events.append(
            {
                "event": "submitted",
                "key": key,
                "task": "simulate",
                "tag": "model",
                "time": T0,
                "args": {"scenario": f"s{i}", "size": i},
            }
        )
        events.append({"event": "started", "key": key, "worker": f"w{i % 8}", "time": start})
        end = {
            "key": key,
            "worker": f"w{i % 8}",
            "start": start,
            "stop": start + 5,
            "time": start + 5,
        }
        if i < tasks - failures:
            end["event"] = "finished"
        else:
            end["event"] = "failed"
            end["exception"] = failure(i)
        events.append(end)
    rec.record_many("tasks", [json.dumps(e) for e in events])
    rec.close(None, 0)
    print(rec.run_dir)


if __name__ == "__main__":
    main()
