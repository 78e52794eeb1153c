#!/bin/bash
# Builds the libFuzzer targets in Fuzz/ (ControlFuzzer: JSON control messages through
# ControlDecoder; EnvelopeFuzzer: binary frames through MediaHeader.parse) with the fuzzer and
# address sanitizers, and runs each for a bounded time.
#
#   scripts/fuzz.sh [seconds-per-target]        default 30; scripts/test.sh runs it short
#   FUZZ_TARGETS=control scripts/fuzz.sh 600    one target only
#   scripts/fuzz.sh 0                           build only (libFuzzer reads 0 as "forever")
#
# Exits non-zero if a target crashes, hangs (>10 s on one input), runs out of memory or
# violates an invariant; the input that did it is saved under .build-fuzz/fuzz-out/crashes/<target>/
# and the log says which file and how to replay it. New coverage found is kept between runs in
# .build-fuzz/fuzz-out/corpus/<target>/ (the committed seeds in Fuzz/corpus/ are only read).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
targets="${FUZZ_TARGETS:-control envelope}"
scratch=.build-fuzz
out="$scratch/fuzz-out"
# --sanitize=fuzzer tells SwiftPM this is a libFuzzer build (libFuzzer supplies main). The code is
# compiled with one -sanitize=fuzzer,address from -Xswiftc (it comes last, and swiftc keeps only
# the last -sanitize=): `--sanitize=fuzzer --sanitize=address` gives two flags in no fixed order,
# so half the builds came out without coverage instrumentation.
build=(swift build --package-path Fuzz --scratch-path "$scratch" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)

# The Swift runtime's backtracer trips ASan after a fatalError; libFuzzer prints the stack itself.
export SWIFT_BACKTRACE=enable=no

start=$(date +%s)
mkdir -p "$out"
# gold prints a harmless warning per ASan symbol; the log keeps them, the console does not.
if ! "${build[@]}" >"$out/build.log" 2>&1; then
    grep -v "Cannot export local symbol" "$out/build.log" | tail -40 >&2
    echo "fuzz: build failed (log $out/build.log)" >&2
    exit 1
fi
grep -v "Cannot export local symbol" "$out/build.log" | tail -1
bin="$("${build[@]}" --show-bin-path)"
echo "fuzz: built in $(( $(date +%s) - start )) s"

[ "$seconds" -gt 0 ] || { echo "fuzz: built, not run (0 s)"; exit 0; }

failed=0
for target in $targets; do
    case "$target" in
        control)  exe=ControlFuzzer;  extra=(-dict=Fuzz/control.dict -max_len=17000) ;;
        envelope) exe=EnvelopeFuzzer; extra=(-max_len=4096) ;;
        *) echo "fuzz: unknown target $target (control, envelope)" >&2; exit 2 ;;
    esac
    corpus="$out/corpus/$target"
    crashes="$out/crashes/$target"
    log="$out/$target.log"
    mkdir -p "$corpus" "$crashes"
    before=$(ls "$crashes" | wc -l)
    echo "fuzz: $target for ${seconds} s (log $log)"
    "$bin/$exe" "$corpus" "Fuzz/corpus/$target" "${extra[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" >"$log" 2>&1
    rc=$?
    grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" | sed "s/^/fuzz: $target: /"
    if [ $rc -ne 0 ] || [ "$(ls "$crashes" | wc -l)" -ne "$before" ]; then
        failed=1
        echo "fuzz: $target FAILED (exit $rc). From $log:" >&2
        grep -E 'invariant violated|ERROR: (libFuzzer|AddressSanitizer)|Fatal error|SUMMARY' "$log" | head -5 >&2
        for input in $(ls -t "$crashes" | head -3); do
            echo "fuzz: input saved in $crashes/$input; replay: $bin/$exe $crashes/$input" >&2
        done
    fi
done
echo "fuzz: done in $(( $(date +%s) - start )) s"
exit $failed
