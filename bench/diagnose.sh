#!/usr/bin/env bash
# Whole-command benchmark of `scalable diagnose` on a 10,000-task run with
# 2,000 failures (results in docs/performance.md).
#
#   bash bench/diagnose.sh       (`make bench` runs it too)
#
# The run is written by bench/gen_run.py with the real recorder under
# target/bench/runs; both the wheel's console script and the native binary
# diagnose it. Results: target/bench/diagnose.md and .json, medians in
# target/bench/diagnose_medians.md.
#
# Environment: RUNS (hyperfine runs per command, default 30).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source bench/lib.sh
bench_setup
rm -rf "$out/runs"
run=$("$py" bench/gen_run.py "$out/runs" 10000 2000)

names=(
    "scalable diagnose (10,000 tasks, 2,000 failed)"
    "native diagnose (10,000 tasks, 2,000 failed)"
)
commands=(
    ".venv/bin/scalable diagnose $run --no-ai"
    "target/release/scalable diagnose $run --no-ai"
)
bench_run diagnose
