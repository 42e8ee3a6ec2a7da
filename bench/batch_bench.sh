#!/usr/bin/env bash
# Batch throughput and memory (docs/BATCH.md, DESIGN.md "Performance budgets"):
#   1. renders a phantom study with `skintrack phantom`, then a SMALL-row and a LARGE-row manifest
#      (default 200 and 2,000) that cycle over its photos under distinct subject ids, so every row
#      is scored in full (baselines found and follow-ups aligned per subject);
#   2. scores the small study with --jobs 1 and --jobs 2: throughput ratio (budget >= 1.8x on
#      2 cores);
#   3. runs two independent `--jobs 1` processes on the small study at once: the throughput
#      this machine gives two copies of the workload that share nothing (the ceiling for any
#      --jobs 2 ratio: on a VM whose two vCPUs share a physical core, caches or memory
#      bandwidth, that ceiling is itself below 2x);
#   4. scores the large study with --jobs 2: peak RSS vs the small --jobs 2 run (budget: within
#      10 %).
# Wall time is run.json's elapsed_s; peak RSS, user and system CPU come from GNU time
# (/usr/bin/time -v, Debian package `time`). The load average is printed before and after each run:
# the --jobs 2 ratio only means something when the two CPUs are otherwise idle (load < ~0.5).
#
# Usage: bench/batch_bench.sh [BUILD_DIR] [WORK_DIR]
#   BUILD_DIR  build tree with src/cli/skintrack (default build/ci)
#   WORK_DIR   scratch folder (default a new mktemp -d, removed at the end)
# Environment: BENCH_SIZE (phantom WxH, default 600x450), BENCH_PX_PER_MM (phantom scale, default
#   10; use 5 for 320x240 so that the colour chart fits), BENCH_SMALL (default 200),
#   BENCH_LARGE (default 2000; 0 skips the memory run), BENCH_CPUS (taskset CPU list, default 0,1),
#   BENCH_ARGS (extra `skintrack batch` options, e.g. "--calibrate none").
set -euo pipefail

build_dir=${1:-build/ci}
work=${2:-}
skintrack="$build_dir/src/cli/skintrack"
size=${BENCH_SIZE:-600x450}
px_per_mm=${BENCH_PX_PER_MM:-10}
small=${BENCH_SMALL:-200}
large=${BENCH_LARGE:-2000}
cpus=${BENCH_CPUS:-0,1}
read -r -a extra_args <<< "${BENCH_ARGS:-}"

if [[ ! -x "$skintrack" ]]; then
  echo "batch_bench: $skintrack not found; build the skintrack target first" >&2
  exit 1
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "batch_bench: /usr/bin/time (GNU time, package 'time') is needed for peak memory" >&2
  exit 1
fi
cleanup=0
if [[ -z "$work" ]]; then
  work=$(mktemp -d)
  cleanup=1
fi
mkdir -p "$work"

"$skintrack" phantom -o "$work/study" --size "$size" --px-per-mm "$px_per_mm" --sessions 6 \
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
[[ "$large" -gt 0 ]] && make_manifest "$large" "$work/study/manifest_large.csv"

loadavg() { cut -d' ' -f1 /proc/loadavg; }

# run NAME MANIFEST JOBS -> prints "wall_s max_rss_kib cpu_s failed load_before load_after"
run() {
  local name=$1 manifest=$2 jobs=$3
  rm -rf "$work/out_$name"
  local load_before
  load_before=$(loadavg)
  /usr/bin/time -v -o "$work/time_$name.txt" taskset -c "$cpus" \
    "$skintrack" batch "$manifest" -o "$work/out_$name" --jobs "$jobs" -q "${extra_args[@]}" \
    >/dev/null || true
  local wall rss cpu failed
  wall=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["elapsed_s"])' \
    "$work/out_$name/run.json")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time_$name.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time_$name.txt")
  failed=$(($(wc -l < "$work/out_$name/errors.csv") - 1))
  echo "$wall $rss $cpu $failed $load_before $(loadavg)"
}

read -r wall1 rss1 cpu1 fail1 lb1 la1 < <(run small_j1 "$work/study/manifest_small.csv" 1)
read -r wall2 rss2 cpu2 fail2 lb2 la2 < <(run small_j2 "$work/study/manifest_small.csv" 2)

# Two processes sharing nothing, each pinned to one CPU: wall time of the pair (the later one).
pair_ceiling() {
  local first=${cpus%%,*} second=${cpus##*,}
  rm -rf "$work/out_pair_a" "$work/out_pair_b"
  local start end
  start=$(date +%s.%N)
  taskset -c "$first" "$skintrack" batch "$work/study/manifest_small.csv" -o "$work/out_pair_a" \
    --jobs 1 -q "${extra_args[@]}" >/dev/null &
  local a=$!
  taskset -c "$second" "$skintrack" batch "$work/study/manifest_small.csv" -o "$work/out_pair_b" \
    --jobs 1 -q "${extra_args[@]}" >/dev/null &
  local b=$!
  wait "$a" "$b" || true
  end=$(date +%s.%N)
  python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$end"
}
wallp=$(pair_ceiling)
wall3=0 rss3=0 cpu3=0 fail3=0 lb3=- la3=-
if [[ "$large" -gt 0 ]]; then
  read -r wall3 rss3 cpu3 fail3 lb3 la3 < <(run large_j2 "$work/study/manifest_large.csv" 2)
fi

python3 - "$small" "$large" "$size" "$cpus" "${BENCH_ARGS:-}" "$wallp" \
  "$wall1" "$rss1" "$cpu1" "$fail1" "$lb1" "$la1" \
  "$wall2" "$rss2" "$cpu2" "$fail2" "$lb2" "$la2" \
  "$wall3" "$rss3" "$cpu3" "$fail3" "$lb3" "$la3" <<'EOF'
import sys
small, large = int(sys.argv[1]), int(sys.argv[2])
runs = []
for i in range(3):
    w, r, c, f, lb, la = sys.argv[7 + 6 * i: 13 + 6 * i]
    runs.append((float(w), int(r), float(c), int(f), lb, la))
print(f"batch_bench: phantom {sys.argv[3]}, CPUs {sys.argv[4]}, options '{sys.argv[5]}'")
labels = [f"{small} images --jobs 1", f"{small} images --jobs 2", f"{large} images --jobs 2"]
for label, (w, r, c, f, lb, la) in zip(labels, runs):
    if w == 0:
        continue
    n = small if label.startswith(str(small) + " ") else large
    print(f"  {label:22s} {w:8.1f} s  {n / w:6.2f} img/s  CPU {c:8.1f} s ({c / w:4.2f} cores)"
          f"  peak RSS {r / 1024:7.1f} MiB  failed {f}  load {lb} -> {la}")
(w1, r1, *_), (w2, r2, *_), (w3, r3, *_) = runs
wall_pair = float(sys.argv[6])
ceiling = 2 * w1 / wall_pair
print(f"  2 independent --jobs 1 processes, {small} images each: {wall_pair:.1f} s"
      f" ({2 * small / wall_pair:.2f} img/s)")
print(f"  throughput jobs2/jobs1 = {w1 / w2:.2f}x (budget >= 1.8x)")
print(f"  machine ceiling (2 independent processes / 1) = {ceiling:.2f}x;"
      f" --jobs 2 reaches {w1 / w2 / ceiling:.0%} of it")
if w3 > 0:
    print(f"  peak RSS {large}/{small} images (jobs 2) = {r3 / r2:.3f} (budget <= 1.10)")
EOF

if [[ $cleanup -eq 1 ]]; then rm -rf "$work"; fi
