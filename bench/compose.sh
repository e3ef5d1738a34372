#!/usr/bin/env bash
# Whole-command benchmark of `scalable compose` (results in docs/performance.md).
#
#   bash bench/compose.sh       (`make bench` runs it too)
#
# Times with hyperfine, through the wheel's console script and as the native
# binary, the tutorial's canonical sentence in two projects: an empty folder
# (the additions are a whole manifest) and one with the example manifest and
# the example Demeter model onboarded under ./capabilities/demeter (so the
# entry point is read from its repository). Results:
# target/bench/compose.md and .json, medians in target/bench/compose_medians.md.
#
# Environment: RUNS (hyperfine runs per command, default 30).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source bench/lib.sh
bench_setup
rm -rf "$out/compose-empty" "$out/compose-project"
mkdir -p "$out/compose-empty" "$out/compose-project/capabilities"
cp docs/examples/scalable.demeter.yaml "$out/compose-project/scalable.yaml"
cp -r examples/models/demeter "$out/compose-project/capabilities/demeter"
rm -rf "$out/compose-project/capabilities/demeter/build"
(cd "$out/compose-project" && "$root/target/release/scalable" init-component ./capabilities/demeter --name demeter --force >/dev/null)

sentence="Run Demeter to downscale GCAM land allocations for a list of scenarios in parallel, then aggregate per-scenario NetCDF outputs into a summary table"
names=(
    "scalable compose (empty project)"
    "native compose (empty project)"
    "scalable compose (manifest + onboarded Demeter)"
    "native compose (manifest + onboarded Demeter)"
)
commands=(
    "cd $out/compose-empty && $root/.venv/bin/scalable compose '$sentence'"
    "cd $out/compose-empty && $root/target/release/scalable compose '$sentence'"
    "cd $out/compose-project && $root/.venv/bin/scalable compose '$sentence'"
    "cd $out/compose-project && $root/target/release/scalable compose '$sentence'"
)
# Through a shell: each command is a `cd && scalable`.
bench_run compose shell
