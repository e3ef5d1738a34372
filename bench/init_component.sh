#!/usr/bin/env bash
# Whole-command benchmark of `scalable init-component` (results in docs/performance.md).
#
#   bash bench/init_component.sh       (`make bench` runs it too)
#
# Times with hyperfine, through the wheel's console script and as the native
# binary: the Demeter-shaped fixture (copied to target/bench/demeter) and a
# generated 20,000-file tree (bench/gen_repo.py -> target/bench/repo20k, with
# 2,000 more files under a .gitignore'd folder). Each run analyses the
# repository and writes its component file (`--force`, to target/bench/).
# Results: target/bench/init_component.md and .json, medians in
# target/bench/init_component_medians.md.
#
# Environment: RUNS (hyperfine runs per command, default 30).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source bench/lib.sh
bench_setup
rm -rf "$out/demeter"
cp -r crates/scalable-ai/tests/fixtures/onboard/demeter "$out/demeter"
"$py" bench/gen_repo.py "$out/repo20k" 20000 >&2

names=(
    "scalable init-component (Demeter fixture)"
    "native init-component (Demeter fixture)"
    "scalable init-component (20,000 files)"
    "native init-component (20,000 files)"
)
commands=(
    ".venv/bin/scalable init-component $out/demeter --name demeter --force --output $out/demeter.yaml"
    "target/release/scalable init-component $out/demeter --name demeter --force --output $out/demeter.yaml"
    ".venv/bin/scalable init-component $out/repo20k --name demeter --force --output $out/repo20k.yaml"
    "target/release/scalable init-component $out/repo20k --name demeter --force --output $out/repo20k.yaml"
)
bench_run init_component
