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
# target/bench/validate_medians.md, target/bench/rss.md.
#
# Environment: RUNS (hyperfine runs per command, default 30), RSS_RUNS (default 7).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source bench/lib.sh
rss_runs=${RSS_RUNS:-7}
example=docs/examples/scalable.demeter.yaml
big=$out/big.yaml

# GNU time (Debian package `time`) for the peak RSS.
if [ ! -x /usr/bin/time ]; then
    echo "installing time" >&2
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
bench_setup
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
bench_run validate

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
