#!/usr/bin/env python3
"""Pore, wrinkle and scar figures against the phantom's truth for each skin tone, through the CLI.

For each tone, renders `skintrack phantom` series (two seeds, 1200x900 px, one treatment: 16
captures with the phantom's capture variation), scores them with `skintrack batch` (each capture's
px/mm from the manifest), and prints, over the captures, the median and range of measured / true
pore density, pore mean diameter and wrinkle length, and the scars counted against the true count.
The figures of docs/METRICS.md ("Skin tone") come from

    scripts/phantom_tones.py build/ci/src/cli/skintrack 10
    scripts/phantom_tones.py build/ci/src/cli/skintrack 20

Work files go to a temporary directory, removed at the end. Standard library only.
"""
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TONES = ["light", "intermediate", "tan", "brown", "dark"]
SEEDS = ["31", "32"]


def summary(values):
    return "median %.2f [%.2f-%.2f]" % (statistics.median(values), min(values), max(values))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: phantom_tones.py SKINTRACK PX_PER_MM")
    skintrack, px_per_mm = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="skintrack_tones_") as work:
        for tone in TONES:
            density, diameter, length = [], [], []
            counted = true_count = 0.0
            for seed in SEEDS:
                series = Path(work) / f"{tone}_{seed}"
                scores = Path(work) / f"{tone}_{seed}_scores"
                subprocess.run([skintrack, "phantom", "-o", str(series), "--seed", seed,
                                "--sessions", "1", "--tone", tone, "--px-per-mm", px_per_mm,
                                "--size", "1200x900"], stdout=subprocess.DEVNULL, check=True)
                subprocess.run([skintrack, "batch", str(series / "manifest.csv"), "-o", str(scores),
                                "--jobs", "2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=True)
                truth = json.loads((series / "truth.json").read_text())
                by_session = {(s["id"], x["session"]): x["summary"]
                              for s in truth["subjects"] for x in s["sessions"]}
                with open(scores / "scores_wide.csv", newline="") as f:
                    for row in csv.DictReader(f):
                        t = by_session[(row["subject"], row["session"])]
                        density.append(float(row["pores.density_per_cm2"]) /
                                       t["pores"]["density_per_cm2"])
                        diameter.append(float(row["pores.mean_diameter_mm"]) /
                                        t["pores"]["mean_diameter_mm"])
                        length.append(float(row["wrinkles.length_mm_per_cm2"]) /
                                      t["wrinkles"]["length_mm_per_cm2"])
                        counted += float(row["scars.count"])
                        true_count += t["scars"]["count"]
            print(f"{px_per_mm} px/mm {tone:13s} pore density x {summary(density)}; "
                  f"diameter x {summary(diameter)}; wrinkle length x {summary(length)}; "
                  f"scars counted {counted:.0f} / truth {true_count:.0f}", flush=True)


if __name__ == "__main__":
    main()
