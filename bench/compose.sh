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
runs=${RUNS:-30}
out=target/bench
py=.venv/bin/python

if ! command -v hyperfine >/dev/null; then
    echo "installing hyperfine" >&2
    apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
if [ ! -x .venv/bin/scalable ]; then
    make .venv/.wheel
fi
cargo build --release --quiet -p scalable-cli
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
for c in "${commands[@]}"; do
    bash -c "$c" >/dev/null
done

echo "== $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(date -u +%FT%TZ)"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
args=()
for i in "${!names[@]}"; do
    args+=(-n "${names[$i]}" "${commands[$i]}")
done
# Not -N: each command is a `cd && scalable` in a shell, so hyperfine
# subtracts the shell's start-up it measures first.
hyperfine --warmup 3 --runs "$runs" \
    --export-markdown "$out/compose.md" --export-json "$out/compose.json" \
    "${args[@]}"

"$py" - "$out/compose.json" <<'PY' | tee "$out/compose_medians.md"
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
print("| Command | median (ms) | mean ± σ (ms) | min (ms) |")
print("|:---|---:|---:|---:|")
for r in results:
    ms = {k: r[k] * 1000 for k in ("median", "mean", "stddev", "min")}
    print(f"| {r['command'][:60]} | {ms['median']:.1f} | {ms['mean']:.1f} ± {ms['stddev']:.1f} | {ms['min']:.1f} |")
PY
echo "== results: $out/compose.md $out/compose_medians.md"
