#!/usr/bin/env bash
# End-to-end speed against the peer pipeline (../shared/peers/skimage_pipeline.py), measured in one
# run on the same 4000x3000 pair: our `skintrack compare` (align + score both) vs the peer's
# align + score, plus a bare JPEG decode for scale. Prints the ratios; only ratios from one run are
# meaningful on a shared machine.
#
# usage: bench/e2e_peer.sh [BUILD_DIR]   (default build/release; needs python3-skimage python3-opencv)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/release}"
bin="$build/src/cli/skintrack"
peer="../shared/peers/skimage_pipeline.py"
[ -x "$bin" ] || { echo "build first: $bin not found" >&2; exit 1; }
[ -f "$peer" ] || { echo "peer pipeline not found at $peer" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A 4000x3000 phantom pair (baseline and a follow-up with capture changes).
"$bin" phantom -o "$work/ph" --seed 3 --sessions 1 --subjects responder --size 4000x3000 --px-per-mm 40 >/dev/null
base="$(awk -F, 'NR>1 && $4=="baseline"{print $5; exit}' "$work/ph/manifest.csv")"
follow="$(awk -F, 'NR>1 && $4=="followup"{print $5}' "$work/ph/manifest.csv" | tail -n 1)"
base="$work/ph/$base"; follow="$work/ph/$follow"

now() { date +%s.%N; }
best_of() {  # best wall time of N runs of a command
  local n=$1; shift; local best=""
  for _ in $(seq "$n"); do
    local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; local t1; t1=$(now)
    local dt; dt=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || (( $(echo "$dt < $best" | bc -l) )); then best=$dt; fi
  done
  echo "$best"
}

export OMP_NUM_THREADS=1 OPENCV_FOR_THREADS_NUM=1
decode=$(best_of 3 /usr/bin/python3 -c "import cv2,sys; cv2.setNumThreads(1); cv2.imread(sys.argv[1])" "$base")
# The phantom's chart is scaled down to fit the 100 mm field, so the scale is given (as a user with
# a small chart gives --chart-pitch-mm or --px-per-mm); read as a Classic it would be 9x too small.
ours=$(best_of 3 "$bin" compare "$base" "$follow" --px-per-mm 40 --json)
# `compare` scores the pair on two threads; pinned to one core for reference (needs taskset).
ours_one_core=""
if command -v taskset >/dev/null 2>&1; then
  ours_one_core=$(best_of 3 taskset -c 0 "$bin" compare "$base" "$follow" --px-per-mm 40 --json)
fi
peer_s=$(best_of 1 /usr/bin/python3 "$peer" "$base" "$follow")
printf 'pair: 4000x3000 phantom\n'
printf 'python decode+startup (s): %.3f\n' "$decode"
printf 'skintrack compare (align+score both, s): %.3f\n' "$ours"
[ -n "$ours_one_core" ] && printf 'skintrack compare on one core (taskset -c 0, s): %.3f\n' "$ours_one_core"
printf 'peer skimage pipeline (s): %.3f\n' "$peer_s"
printf 'speed-up (peer / skintrack): %.1fx\n' "$(echo "$peer_s / $ours" | bc -l)"
[ -n "$ours_one_core" ] && printf 'speed-up on one core: %.1fx\n' "$(echo "$peer_s / $ours_one_core" | bc -l)"
true
