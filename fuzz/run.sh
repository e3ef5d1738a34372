#!/usr/bin/env bash
# Fuzz the manifest parser + validator + renderers on the stable toolchain
# (or, with FUZZ_TARGET=onboard_parsers, the parsers `init-component` runs;
# with FUZZ_TARGET=compose_description, the description parser of `compose`).
#   bash fuzz/run.sh [SECONDS] [LIBFUZZER_ARGS...]
#        (default 60 s; `make fuzz FUZZ_SECONDS=600`; e.g. `-len_control=0` to
#        try long inputs from the start instead of growing the length limit)
# Seeds (fuzz/seeds, or fuzz/seeds-onboard plus the init-component fixtures for onboard_parsers) and past
# findings (fuzz/regressions, manifest only) are copied into the working corpus
# fuzz/corpus/TARGET (git-ignored), which persists between runs. A crash,
# timeout or OOM leaves its input in fuzz/artifacts/TARGET/.
# Needs cargo-fuzz: `cargo install cargo-fuzz --locked`.
set -euo pipefail

secs=${1:-60}
shift || true
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

target=${FUZZ_TARGET:-manifest}
corpus=fuzz/corpus/$target
mkdir -p "$corpus" "fuzz/artifacts/$target"
extra=()
if [ "$target" = manifest ]; then
    cp fuzz/seeds/* "$corpus"/
    if compgen -G 'fuzz/regressions/*' >/dev/null; then
        cp fuzz/regressions/* "$corpus"/
    fi
    extra=(-dict=fuzz/manifest.dict)
elif [ "$target" = compose_description ]; then
    # The corpus descriptions, one file each.
    python3 - "$corpus" <<'PY'
import sys, tomllib, pathlib
cases = tomllib.loads(pathlib.Path("tests/compose_corpus/corpus.toml").read_text())["case"]
for c in cases:
    (pathlib.Path(sys.argv[1]) / f"corpus-{c['name']}").write_text(c["description"])
PY
else
    cp fuzz/seeds-onboard/* "$corpus"/
    # The init-component fixtures are real packaging files: seed with them
    # rather than keep copies here.
    while IFS= read -r f; do
        rel=${f#crates/scalable-ai/tests/fixtures/onboard/}
        cp "$f" "$corpus/fixture-${rel//\//_}"
    done < <(find crates/scalable-ai/tests/fixtures/onboard -type f -size -64k)
fi
echo "fuzz: $(date -u +%FT%TZ), ${secs}s, corpus $(ls "$corpus" | wc -l) files" >&2

# -s none: the sanitizer modes need nightly; debug assertions and overflow
# checks stay on (cargo-fuzz's default). A unit slower than 1 s is reported
# as slow; one slower than 10 s is a timeout (a finding).
status=0
cargo +stable fuzz run --fuzz-dir fuzz -s none "$target" "$corpus" -- \
    -max_total_time="$secs" -max_len=65536 -timeout=10 -report_slow_units=1 \
    "${extra[@]}" -print_final_stats=1 "$@" || status=$?

echo "fuzz: corpus now $(ls "$corpus" | wc -l) files, $(du -sk --apparent-size "$corpus" | cut -f1) KiB" >&2
artifacts=$(ls "fuzz/artifacts/$target" | wc -l)
echo "fuzz: artifacts (crashes/timeouts/ooms/slow units): $artifacts" >&2
ls -l "fuzz/artifacts/$target" >&2
exit "$status"
