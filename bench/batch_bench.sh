#!/usr/bin/env bash
# Batch throughput and memory (docs/BATCH.md, DESIGN.md "Performance budgets"):
#   1. renders a phantom study with `skintrack phantom`, then a 200-row and a 2,000-row manifest
#      that cycle over its photos under distinct subject ids (every row is scored in full);
#   2. scores the 200-row study with --jobs 1 and --jobs 2: throughput ratio (budget >= 1.8x on
#      2 cores);
#   3. scores the 2,000-row study with --jobs 2: peak RSS vs the 200-row run (budget within 10 %).
# Peak RSS and wall time come from GNU time (/usr/bin/time -v). Prints one summary block.
#
# Usage: bench/batch_bench.sh [BUILD_DIR] [WORK_DIR]
#   BUILD_DIR  build tree with src/cli/skintrack (default build/batch)
#   WORK_DIR   scratch folder (default a new mktemp -d, removed at the end)
# Environment: BENCH_SIZE (phantom WxH, default 600x450), BENCH_SMALL (default 200),
#   BENCH_LARGE (default 2000), BENCH_CPUS (taskset CPU list, default 0,1).
set -euo pipefail

build_dir=${1:-build/batch}
work=${2:-}
skintrack="$build_dir/src/cli/skintrack"
size=${BENCH_SIZE:-600x450}
small=${BENCH_SMALL:-200}
large=${BENCH_LARGE:-2000}
cpus=${BENCH_CPUS:-0,1}

if [[ ! -x "$skintrack" ]]; then
  echo "batch_bench: $skintrack not found; build the skintrack target first" >&2
  exit 1
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "batch_bench: /usr/bin/time (GNU time) is needed for peak memory" >&2
  exit 1
fi
cleanup=0
if [[ -z "$work" ]]; then
  work=$(mktemp -d)
  cleanup=1
fi
mkdir -p "$work"

"$skintrack" phantom -o "$work/study" --size "$size" --sessions 6 \
  --subjects responder,non_responder,control >/dev/null

# A manifest of N rows cycling over the phantom's rows, subject ids made distinct per cycle.
make_manifest() {
  local rows=$1 out=$2
  python3 - "$work/study/manifest.csv" "$rows" "$out" <<'EOF'
import csv, sys
source, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(source, newline="") as f:
    reader = csv.DictReader(f)
    header = reader.fieldnames
    base = [r for r in reader if not r.get("lights")]
with open(out, "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    written, cycle = 0, 0
    while written < rows:
        for r in base:
            if written == rows:
                break
            r = dict(r)
            r["subject"] = f"c{cycle:03d}_{r['subject']}"
            writer.writerow(r)
            written += 1
        cycle += 1
EOF
}
make_manifest "$small" "$work/study/manifest_small.csv"
make_manifest "$large" "$work/study/manifest_large.csv"

# run NAME MANIFEST JOBS -> prints "wall_s max_rss_kib"
run() {
  local name=$1 manifest=$2 jobs=$3
  rm -rf "$work/out_$name"
  /usr/bin/time -v -o "$work/time_$name.txt" taskset -c "$cpus" \
    "$skintrack" batch "$manifest" -o "$work/out_$name" --jobs "$jobs" -q >/dev/null || true
  local wall rss
  wall=$(python3 - "$work/out_$name/run.json" <<'EOF'
import json, sys
print(json.load(open(sys.argv[1]))["elapsed_s"])
EOF
)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time_$name.txt")
  echo "$wall $rss"
}

read -r wall1 rss1 < <(run small_j1 "$work/study/manifest_small.csv" 1)
read -r wall2 rss2 < <(run small_j2 "$work/study/manifest_small.csv" 2)
read -r wall3 rss3 < <(run large_j2 "$work/study/manifest_large.csv" 2)

python3 - "$small" "$large" "$wall1" "$wall2" "$wall3" "$rss1" "$rss2" "$rss3" "$size" "$cpus" <<'EOF'
import sys
small, large = int(sys.argv[1]), int(sys.argv[2])
w1, w2, w3 = map(float, sys.argv[3:6])
r1, r2, r3 = map(int, sys.argv[6:9])
print(f"batch_bench: phantom {sys.argv[9]}, CPUs {sys.argv[10]}")
print(f"  {small} images --jobs 1: {w1:8.1f} s  {small / w1:6.2f} img/s  peak RSS {r1 / 1024:7.1f} MiB")
print(f"  {small} images --jobs 2: {w2:8.1f} s  {small / w2:6.2f} img/s  peak RSS {r2 / 1024:7.1f} MiB")
print(f"  {large} images --jobs 2: {w3:8.1f} s  {large / w3:6.2f} img/s  peak RSS {r3 / 1024:7.1f} MiB")
print(f"  throughput jobs2/jobs1 = {w1 / w2:.2f}x (budget >= 1.8x)")
print(f"  peak RSS {large}/{small} images = {r3 / r2:.3f} (budget <= 1.10)")
EOF

if [[ $cleanup -eq 1 ]]; then rm -rf "$work"; fi
