#!/usr/bin/env bash
# Whole-command benchmarks of `scalable plan` and `scalable explain` (docs/performance.md).
#
#   bash bench/plan.sh        (after `make .venv/.wheel`; RUNS sets hyperfine's runs, default 20)
#
# Side by side in one hyperfine run: plan and explain of the example, and plan of
# the generated 5,000-component manifest (bench/gen_manifest.py) for two targets.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=target/bench
mkdir -p "$out"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
[ -x .venv/bin/scalable ] || make .venv/.wheel
.venv/bin/python bench/gen_manifest.py "$out/big.yaml" 5000 >&2
example=docs/examples/scalable.demeter.yaml
.venv/bin/scalable plan "$example" --target aws --scenarios 50 --output "$out/plan.json" >/dev/null
hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-markdown "$out/plan.md" \
    -n "plan (example, aws)" ".venv/bin/scalable plan $example --target aws --scenarios 50" \
    -n "explain (example plan)" ".venv/bin/scalable explain $out/plan.json" \
    -n "plan (5,000 components, aws)" ".venv/bin/scalable plan $out/big.yaml --target aws" \
    -n "plan (5,000 components, hpc, json)" ".venv/bin/scalable plan $out/big.yaml --target hpc --format json"
cat "$out/plan.md"
