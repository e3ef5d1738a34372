# Shared by the whole-command benchmarks: `source bench/lib.sh` from the
# repository root. Each script names its commands; this file installs
# hyperfine, builds what is measured and prints the medians table.

# hyperfine runs per command.
runs=${RUNS:-30}
out=target/bench
py=.venv/bin/python

# Installs hyperfine when missing, builds the wheel (console script) and the
# native binary.
bench_setup() {
    if ! command -v hyperfine >/dev/null; then
        echo "installing hyperfine" >&2
        apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
    fi
    if [ ! -x .venv/bin/scalable ]; then
        make .venv/.wheel
    fi
    cargo build --release --quiet -p scalable-cli
    mkdir -p "$out"
}

# bench_run NAME [shell]: times the commands in the arrays `names` and
# `commands` (each run once first, so a failing command stops the script),
# then writes $out/NAME.md, $out/NAME.json and the medians table
# $out/NAME_medians.md. With `shell`, commands run through a shell (for
# `cd DIR && ...`; hyperfine subtracts the shell's own start-up).
bench_run() {
    local name=$1 c i
    local direct=(-N)
    [ "${2:-}" = shell ] && direct=()
    for c in "${commands[@]}"; do
        bash -c "$c" >/dev/null
    done
    echo "== $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(date -u +%FT%TZ)"
    echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    local args=()
    for i in "${!names[@]}"; do
        args+=(-n "${names[$i]}" "${commands[$i]}")
    done
    hyperfine "${direct[@]}" --warmup 3 --runs "$runs" \
        --export-markdown "$out/$name.md" --export-json "$out/$name.json" \
        "${args[@]}"
    "$py" - "$out/$name.json" <<'PY' | tee "$out/${name}_medians.md"
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
    echo "== results: $out/$name.md $out/${name}_medians.md"
}
