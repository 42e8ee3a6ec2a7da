#!/usr/bin/env bash
# README command 2 (and CI, through .ci/run): install what is missing, then, in order:
#   1. the `ci` preset (optimised, warnings as errors, tests, viewer and benchmarks) and the whole
#      test suite through CTest;
#   2. the `asan` preset (AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer at -O1)
#      and the test suite again under it, but for the accuracy tests (sweeps over many phantom
#      seeds, the measures' accuracy on real photos) and two whole-batch CLI runs, which the `asan`
#      test preset's filter leaves to stage 1 (docs/SECURITY.md)
#      (LeakSanitizer suppressions for third-party libraries only: tests/sanitizers/lsan.supp);
#   3. ThreadSanitizer: the `tsan` preset, building the batch engine's and the viewer's
#      worker-pool tests, run under TSan (tests/sanitizers/tsan.supp: third-party reports only);
#   4. fuzzing: the `fuzz` preset (clang, libFuzzer + ASan + UBSan) and scripts/fuzz.sh, which runs
#      every fuzz target for SKINTRACK_FUZZ_SECONDS (default 20) from its committed corpus.
# Every preset but `dev` is a unity build (SKINTRACK_UNITY), which keeps a cold run of all four
# stages within CI's time on two cores (measured times: docs/SECURITY.md).
# Any test failure, sanitizer report, fuzzer crash, leak or timeout fails the script. The time of
# each stage is printed at the end.
#
# Environment:
#   SKINTRACK_PHOTOS        folder of the shared photos (.ci/run sets it to ../shared/data/photos)
#   SKINTRACK_QUICK=1       stage 1 only (for a quick check while developing; CI never sets it)
#   SKINTRACK_SKIP_TSAN=1 / SKINTRACK_SKIP_FUZZ=1   skip one stage (likewise)
#   SKINTRACK_FUZZ_SECONDS  budget per fuzz target (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
jobs="$(nproc)"
# Reuse a compiler cache when one is installed (repeated runs on one machine); never required.
if command -v ccache >/dev/null && [ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
  # Paths relative to the checkout, so a second clone of the project reuses the same cache entries.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
  # The sanitized builds carry debug info, for which ccache would also hash the build directory.
  export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi

# Sanitizer run-time settings for stage 2 (the same as the `asan` test preset's, for runs by hand).
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"

timings=()
print_timings() {
  echo "== stage times (cpu / $jobs is the wall time on an otherwise idle machine)"
  printf '%s\n' "${timings[@]}"
}
trap 'print_timings; rm -f "$times_file"' EXIT
times_file=$(mktemp)
cpu_now=0
cpu_update() {  # cpu_now = user+sys CPU seconds of this shell's finished child processes
  times >"$times_file"  # (a builtin: in a $(...) subshell it would count only that subshell)
  cpu_now=$(tail -n 1 "$times_file" | awk '{ s = 0; for (i = 1; i <= NF; ++i) {
    split($i, p, "m"); sub("s", "", p[2]); s += p[1] * 60 + p[2] } printf "%d", s + 0.5 }')
}
stage() {  # stage NAME COMMAND...: runs one stage, recording its wall-clock and CPU time
  local name=$1 start=$SECONDS cpu0
  cpu_update
  cpu0=$cpu_now
  shift
  echo "== $name"
  "$@"
  cpu_update
  timings+=("$(printf '%-24s %5d s wall %6d s cpu' "$name" $((SECONDS - start)) \
    $((cpu_now - cpu0)))")
}

stage "ci build" bash -c "cmake --preset ci >/dev/null && cmake --build --preset ci --parallel $jobs"
stage "ci tests" ctest --preset ci --parallel "$jobs"

quick="${SKINTRACK_QUICK:-0}"
if [ "$quick" != "1" ]; then
  stage "asan build" bash -c "cmake --preset asan >/dev/null &&
    cmake --build --preset asan --parallel $jobs"
  stage "asan tests" ctest --preset asan --parallel "$jobs" --no-tests=error
fi

if [ "$quick" != "1" ] && [ "${SKINTRACK_SKIP_TSAN:-0}" != "1" ]; then
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp"
  stage "tsan build" bash -c "cmake --preset tsan >/dev/null &&
    cmake --build --preset tsan --parallel $jobs --target core_batch_test viewer_worker_test"
  stage "tsan tests" ctest --preset tsan --parallel "$jobs" --no-tests=error \
    -R '^(BatchRunner|BatchShard|WorkerPool)\.'
fi

if [ "$quick" != "1" ] && [ "${SKINTRACK_SKIP_FUZZ:-0}" != "1" ]; then
  stage "fuzz build" bash -c "cmake --preset fuzz >/dev/null &&
    cmake --build --preset fuzz --parallel $jobs --target fuzz_targets"
  stage "fuzz run" ./scripts/fuzz.sh build/fuzz "${SKINTRACK_FUZZ_SECONDS:-20}"
fi
