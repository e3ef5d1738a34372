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
mkdir -p "$out"
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
for c in "${commands[@]}"; do
    bash -c "$c" >/dev/null
done

echo "== $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(date -u +%FT%TZ)"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
args=()
for i in "${!names[@]}"; do
    args+=(-n "${names[$i]}" "${commands[$i]}")
done
hyperfine -N --warmup 3 --runs "$runs" \
    --export-markdown "$out/init_component.md" --export-json "$out/init_component.json" \
    "${args[@]}"

"$py" - "$out/init_component.json" <<'PY' | tee "$out/init_component_medians.md"
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
print("| Command | median (ms) | mean ± σ (ms) | min (ms) | user + sys (ms) |")
print("|:---|---:|---:|---:|---:|")
for r in results:
    ms = {k: r[k] * 1000 for k in ("median", "mean", "stddev", "min", "user", "system")}
    print(
        f"| `{r['command']}` | {ms['median']:.1f} | {ms['mean']:.1f} ± {ms['stddev']:.1f}"
        f" | {ms['min']:.1f} | {ms['user']:.1f} + {ms['system']:.1f} |"
    )
PY
echo "== results: $out/init_component.md $out/init_component_medians.md"
