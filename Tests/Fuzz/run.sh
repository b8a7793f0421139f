#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Sources/Fuzz) in .build-fuzz with the
# fuzzer and address sanitizers and runs each for a bounded time.
#
#   Tests/Fuzz/run.sh [SECONDS] [HARNESS…]     default: 30 s each, all harnesses
#   FUZZ_RUNS=1000000 Tests/Fuzz/run.sh 0 elf  stop after a number of executions instead
#   FUZZ_TIMEOUT=120 …                         seconds before one input counts as a hang (10);
#                                              raise it for a campaign running niced next to builds
#   FUZZ_CONFIG=release …                      optimised harnesses (in .build-fuzz-release): several
#                                              times the executions a second, for long campaigns
#
# Seeds: Tests/Fuzz/corpus/HARNESS plus, when present, the shipped boards and
# the built test kernels. What the fuzzer adds goes to .build-fuzz/corpus,
# never into the tree. A crash, hang (-timeout) or leak stops the run with a
# non-zero status and the input in .build-fuzz/artifacts; copy it into
# Tests/Fuzz/crashes/HARNESS/ so CorpusReplayTests replays it forever.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(expression board elf qmp keyval gdb)
config=${FUZZ_CONFIG:-debug}
case "$config" in
  debug) build=.build-fuzz ;;
  release) build=.build-fuzz-release ;;
  *) echo "fuzz: FUZZ_CONFIG must be debug or release, not '$config'"; exit 2 ;;
esac
swift=${SWIFT:-swift}

start=$(date +%s)
mkdir -p "$build"
# SwiftPM instruments only the executable's own module for libFuzzer's
# coverage; these flags instrument every Swift module the harnesses reach.
coverage=(-Xswiftc -sanitize=fuzzer)
for h in "${harnesses[@]}"; do
  if ! $swift build -c "$config" --build-path "$build" --sanitize=fuzzer --sanitize=address "${coverage[@]}" --product "chimera-fuzz-$h" \
       > "$build/build-$h.log" 2>&1; then
    grep -E "error" -A3 "$build/build-$h.log" | head -40
    echo "fuzz: building chimera-fuzz-$h failed (log: $build/build-$h.log)"
    exit 1
  fi
done
echo "fuzz: harnesses built in $(( $(date +%s) - start )) s"

export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
for h in "${harnesses[@]}"; do
  work="$build/corpus/$h"
  mkdir -p "$work" "$build/artifacts"
  case "$h" in
    board) cp -f boards/*.yaml boards/components/*.yaml "$work/" 2>/dev/null || true ;;
    elf) for k in kernels/build/*.elf .build/e2e-kernels/*.elf; do
           [ -f "$k" ] && [ "$(stat -c %s "$k")" -le 1048576 ] && cp -f "$k" "$work/"; done ;;
  esac
  limit=(-max_total_time="$seconds")
  [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
  echo "fuzz: $h ${limit[*]}"
  if ! "$build/$config/chimera-fuzz-$h" "${limit[@]}" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$h-" "$work" "Tests/Fuzz/corpus/$h" \
        > "$build/$h.log" 2>&1; then
    status=1
    tail -n 40 "$build/$h.log"
    echo "fuzz: $h FAILED; inputs in $build/artifacts/ (save them under Tests/Fuzz/crashes/$h/)"
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/$h.log" | sed "s/^/fuzz: $h /" || true
done
echo "fuzz: done in $(( $(date +%s) - start )) s"
exit $status
