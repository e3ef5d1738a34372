#!/usr/bin/env bash
# Whole-command benchmarks of `scalable validate` (results in docs/performance.md).
#
#   bash bench/validate.sh          (`make bench` runs it, then the Criterion bench)
#
# Times, side by side in one hyperfine run: the Python floor (`python -c pass`),
# `scalable validate` of the example through the wheel's console script and as
# the native binary, `import scalable`, and `scalable validate` of a generated
# 5,000-component manifest (bench/gen_manifest.py -> target/bench/big.yaml).
# Then the median peak RSS of each (`/usr/bin/time -f %M`, RSS_RUNS runs).
# Results: target/bench/validate.md (hyperfine), target/bench/validate.json,
# target/bench/medians.md, target/bench/rss.md.
#
# Environment: RUNS (hyperfine runs per command, default 30), RSS_RUNS (default 7).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${RUNS:-30}
rss_runs=${RSS_RUNS:-7}
out=target/bench
example=docs/examples/scalable.demeter.yaml
big=$out/big.yaml
py=.venv/bin/python

# Tools: hyperfine and GNU time (Debian packages `hyperfine`, `time`).
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# What is measured: the wheel in .venv, the native binary, the big manifest.
if [ ! -x .venv/bin/scalable ]; then
    make .venv/.wheel
fi
cargo build --release --quiet -p scalable-cli
mkdir -p "$out"
"$py" bench/gen_manifest.py "$big" 5000 >&2

names=(
    "python -c pass"
    "scalable validate (example)"
    "native validate (example)"
    "import scalable"
    "scalable validate (5,000 components)"
    "native validate (5,000 components)"
)
commands=(
    "$py -c pass"
    ".venv/bin/scalable validate $example"
    "target/release/scalable validate $example"
    "$py -c 'import scalable'"
    ".venv/bin/scalable validate $big"
    "target/release/scalable validate $big"
)

# Every command must succeed before it is timed.
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
    --export-markdown "$out/validate.md" --export-json "$out/validate.json" \
    "${args[@]}"

# Medians (the targets are medians): from hyperfine's JSON.
"$py" - "$out/validate.json" <<'EOF' | tee "$out/medians.md"
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
EOF

# Peak RSS: median of rss_runs runs of each command.
{
    echo "| Command | peak RSS, median of $rss_runs (MB) | min–max (MB) |"
    echo "|:---|---:|---:|"
    for i in "${!names[@]}"; do
        samples=()
        for _ in $(seq "$rss_runs"); do
            samples+=("$(bash -c "/usr/bin/time -f %M ${commands[$i]} 2>&1 >/dev/null | tail -1")")
        done
        sorted=$(printf '%s\n' "${samples[@]}" | sort -n)
        median=$(echo "$sorted" | sed -n "$(((rss_runs + 1) / 2))p")
        min=$(echo "$sorted" | head -1)
        max=$(echo "$sorted" | tail -1)
        awk -v n="${names[$i]}" -v m="$median" -v lo="$min" -v hi="$max" \
            'BEGIN { printf "| `%s` | %.1f | %.1f–%.1f |\n", n, m / 1024, lo / 1024, hi / 1024 }'
    done
} | tee "$out/rss.md"

# `import scalable` must stay cheap: no Dask, no native module.
"$py" - <<'EOF'
import sys
import scalable  # noqa: F401

heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"dask", "distributed", "scalable._core"})
print(f"== import scalable: {len(sys.modules)} modules loaded; dask/distributed/_core: {heavy or 'none'}")
sys.exit(1 if heavy else 0)
EOF
echo "== results: $out/validate.md $out/medians.md $out/rss.md"
