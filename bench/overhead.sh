#!/usr/bin/env bash
# Orchestration overhead: Scalable with telemetry on against raw dask.distributed
# (results in docs/performance.md, "Orchestration overhead").
#
#   bash bench/overhead.sh            (REPS=9 TASKS=2000 by default)
#
# Builds the wheel into .venv (`make .venv/.wheel`), then runs bench/overhead.py:
# side by side in one run, on the same cluster shape (one Nanny worker per
# planned worker, scheduler on 127.0.0.1), 2,000 no-op tasks submitted one by
# one and gathered, REPS repetitions alternating which side goes first; medians,
# ms per task and the ratio. Results: stdout, and target/bench/overhead.json.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
reps=${REPS:-9}
tasks=${TASKS:-2000}
out=target/bench

make .venv/.wheel
mkdir -p "$out"
.venv/bin/python bench/overhead.py --reps "$reps" --tasks "$tasks" --json "$out/overhead.json"
