#!/usr/bin/env bash
# The main job on the committed sample series (sample_images/): what a researcher and a clinic would
# run. Everything is written under out/; a short summary is printed at the end.
# usage: scripts/sample_job.sh PATH/TO/skintrack
set -euo pipefail
bin="$(realpath "$1")"
cd "$(dirname "$0")/.."
manifest=sample_images/manifest.csv
[ -f "$manifest" ] || { echo "sample_images/manifest.csv is missing" >&2; exit 2; }
mkdir -p out
rm -rf out/batch out/skintrack.db out/skintrack.db-wal out/skintrack.db-shm out/charts out/reports
mkdir -p out/charts out/reports

echo "== batch scoring of $(($(wc -l < "$manifest") - 1)) captures -> out/batch"
"$bin" batch "$manifest" -o out/batch --jobs "$(nproc)" || echo "(some captures failed; see out/batch/errors.csv)"

echo "== import into the study database -> out/skintrack.db"
"$bin" import "$manifest" --db out/skintrack.db >/dev/null

subjects=$(awk -F, 'NR>1{print $1}' "$manifest" | sort -u | tr '\n' ' ')

for s in $subjects; do
  "$bin" timeline --db out/skintrack.db --subject "$s" --chart "out/charts/${s}_timeline.svg" --json \
    > "out/charts/${s}_timeline.json"
  if "$bin" report --help >/dev/null 2>&1; then
    "$bin" report --db out/skintrack.db --subject "$s" -o "out/reports/${s}_patient.pdf" --audience patient
    "$bin" report --db out/skintrack.db --subject "$s" -o "out/reports/${s}_practitioner.html" \
      --audience practitioner
  fi
done
"$bin" claims --db out/skintrack.db --json > out/claims.json
"$bin" claims --db out/skintrack.db > out/claims.txt
"$bin" study out/batch --json > out/study.json || true

echo
echo "== summary"
echo "captures scored:   $(($(wc -l < out/batch/scores_wide.csv) - 1)) (failures: $(($(wc -l < out/batch/errors.csv) - 1)))"
echo "subjects:          $subjects"
echo "claim verdicts:"
sed 's/^/  /' out/claims.txt | head -40
echo "outputs:           out/batch/ (scores.csv, scores_wide.csv, run.json), out/skintrack.db,"
echo "                   out/charts/*.svg, out/reports/*, out/claims.json, out/study.json"
