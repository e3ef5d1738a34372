#!/usr/bin/env bash
# Fuzz the manifest parser + validator + renderers on the stable toolchain.
#   bash fuzz/run.sh [SECONDS] [LIBFUZZER_ARGS...]
#        (default 60 s; `make fuzz FUZZ_SECONDS=600`; e.g. `-len_control=0` to
#        try long inputs from the start instead of growing the length limit)
# Seeds (fuzz/seeds) and past findings (fuzz/regressions) are copied into the
# working corpus fuzz/corpus/manifest (git-ignored), which persists between
# runs. A crash, timeout or OOM leaves its input in fuzz/artifacts/manifest/.
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

corpus=fuzz/corpus/manifest
mkdir -p "$corpus" fuzz/artifacts/manifest
cp fuzz/seeds/* "$corpus"/
if compgen -G 'fuzz/regressions/*' >/dev/null; then
    cp fuzz/regressions/* "$corpus"/
fi
echo "fuzz: $(date -u +%FT%TZ), ${secs}s, corpus $(ls "$corpus" | wc -l) files" >&2

# -s none: the sanitizer modes need nightly; debug assertions and overflow
# checks stay on (cargo-fuzz's default). A unit slower than 1 s is reported
# as slow; one slower than 10 s is a timeout (a finding).
status=0
cargo +stable fuzz run --fuzz-dir fuzz -s none manifest "$corpus" -- \
    -max_total_time="$secs" -max_len=65536 -timeout=10 -report_slow_units=1 \
    -dict=fuzz/manifest.dict -print_final_stats=1 "$@" || status=$?

echo "fuzz: corpus now $(ls "$corpus" | wc -l) files, $(du -sk --apparent-size "$corpus" | cut -f1) KiB" >&2
artifacts=$(ls fuzz/artifacts/manifest | wc -l)
echo "fuzz: artifacts (crashes/timeouts/ooms/slow units): $artifacts" >&2
ls -l fuzz/artifacts/manifest >&2
exit "$status"
