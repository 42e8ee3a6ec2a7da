#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a time budget each (CI's fuzz stage; issue 12).
#   scripts/fuzz.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
# BUILD_DIR is a build of the `fuzz` preset (cmake --preset fuzz && cmake --build --preset fuzz
# --target fuzz_targets). Each target starts from its committed seeds, tests/fuzz/corpus/<name>/,
# copied to a scratch corpus (BUILD_DIR/fuzz-work/<name>/corpus) so the repository is not touched;
# two targets run at a time. A crash, leak, timeout (10 s for one input) or out-of-memory (2 GiB)
# fails the script; the input that caused it is kept in BUILD_DIR/fuzz-work/<name>/ and its log
# printed. Add such an input to tests/fuzz/corpus/<name>/ once fixed: the CTest replay
# (fuzz_replay.<name>) then keeps it as a regression test.
# Prints one line per target: executions, executions per second, corpus size, and the result.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]}
seconds=${2:-20}
shift $(($# >= 2 ? 2 : $#))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(image exif manifest claims lights points roi settings)
fi
work="$build/fuzz-work"
mkdir -p "$work"

run_one() {
  local name=$1 seconds=$2 build=$3 work=$4
  local bin="$build/tests/fuzz/fuzz_$name" dir="$work/$name"
  rm -rf "$dir" && mkdir -p "$dir/corpus"
  cp tests/fuzz/corpus/"$name"/* "$dir/corpus/"
  local rc=0
  # -detect_leaks=1: a leak is a failure too; -print_final_stats=1: executions for the report.
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
      -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  local execs rate corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  corpus=$(ls "$dir/corpus" | wc -l)
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz %-9s %9s execs %7s/s  corpus %5s  ok\n' "$name" "${execs:-?}" "${rate:-?}" "$corpus"
  else
    printf 'fuzz %-9s %9s execs %7s/s  corpus %5s  FAILED (exit %s)\n' "$name" "${execs:-?}" \
      "${rate:-?}" "$corpus" "$rc"
    grep -E "ERROR|SUMMARY|fuzz invariant|Test unit written|==[0-9]+==" "$dir/log" | head -40
    return 1
  fi
}
export -f run_one

printf '%s\n' "${targets[@]}" |
  xargs -P 2 -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$build" "$work"
