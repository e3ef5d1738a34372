#!/usr/bin/env bash
# Whole-command benchmark of `scalable migrate` (results in docs/performance.md).
#
#   bash bench/migrate.sh       (`make bench` runs it too)
#
# Times with hyperfine the native binary migrating the tutorial's manifest
# (docs/examples/scalable.demeter.yaml) to Kubernetes and to AWS, as text,
# and through the wheel's console script.
# Results: target/bench/migrate.md and .json, medians in target/bench/migrate_medians.md.
#
# Environment: RUNS (hyperfine runs per command, default 30).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source bench/lib.sh
bench_setup
example=docs/examples/scalable.demeter.yaml

names=(
    "native migrate (example -> kubernetes)"
    "native migrate (example -> aws, json)"
    "scalable migrate (example -> kubernetes)"
)
commands=(
    "target/release/scalable migrate $example --to-provider kubernetes"
    "target/release/scalable migrate $example --to-provider aws --format json"
    ".venv/bin/scalable migrate $example --to-provider kubernetes"
)
bench_run migrate
