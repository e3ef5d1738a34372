#!/usr/bin/env bash
# Whole-command benchmark of `scalable migrate` (results in docs/performance.md).
#
#   bash bench/migrate.sh
#
# Times with hyperfine the native binary migrating the tutorial's manifest
# (docs/examples/scalable.demeter.yaml) to Kubernetes and to AWS, as text,
# and through the wheel's console script when `.venv/bin/scalable` exists.
# Results: target/bench/migrate.md and .json.
#
# Environment: RUNS (hyperfine runs per command, default 30).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${RUNS:-30}
out=target/bench
example=docs/examples/scalable.demeter.yaml

if ! command -v hyperfine >/dev/null; then
    echo "installing hyperfine" >&2
    apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --quiet -p scalable-cli
mkdir -p "$out"

commands=(
    "target/release/scalable migrate $example --to-provider kubernetes"
    "target/release/scalable migrate $example --to-provider aws --format json"
)
if [ -x .venv/bin/scalable ]; then
    commands+=(".venv/bin/scalable migrate $example --to-provider kubernetes")
fi
hyperfine -N --warmup 3 --runs "$runs" \
    --export-markdown "$out/migrate.md" --export-json "$out/migrate.json" \
    "${commands[@]}"
