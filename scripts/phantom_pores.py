#!/usr/bin/env python3
"""Pore density and mean diameter (and wrinkle length) on `skintrack phantom`'s default series.

For each seed, renders the default series (120 x 90 mm at 10 px/mm, two subjects, 20 captures
with the phantom's capture variation, lens blur 0.3-0.8 px), scores every capture alone with
`skintrack score --px-per-mm` (the manifest's scale) and divides `pores.density_per_cm2` and
`pores.mean_diameter_mm` by the session's truth (`summary.pores` in truth.json). Prints one line per
capture (with its lens blur) and the medians and the number of captures within +-10 %; the same
scores' `wrinkles.length_mm_per_cm2` against `summary.wrinkles`, within +-15 % (issue 6's
tolerances). The default-series pore figures of docs/METRICS.md ("Sizes") come from

    scripts/phantom_pores.py build/ci/src/cli/skintrack 21,22,23,24,25,26

Standard library only. Work files go to a temporary directory, removed at the end.
"""
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def value(metrics, group, key):
    entry = metrics[group][key]
    return entry["value"] if isinstance(entry, dict) else entry


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: phantom_pores.py SKINTRACK SEED[,SEED...]")
    skintrack, seeds = sys.argv[1], sys.argv[2].split(",")
    density, diameter, length = [], [], []
    with tempfile.TemporaryDirectory(prefix="skintrack_pores_") as work:
        for seed in seeds:
            series = Path(work) / f"series_{seed}"
            subprocess.run([skintrack, "phantom", "-o", str(series), "--seed", seed],
                           stdout=subprocess.DEVNULL, check=True)
            truth = json.loads((series / "truth.json").read_text())
            sessions = {x["image"]: x for s in truth["subjects"] for x in s["sessions"]}
            with open(series / "manifest.csv", newline="") as f:
                rows = list(csv.DictReader(f))
            for row in rows:
                scored = subprocess.run([skintrack, "score", str(series / row["image"]),
                                         "--px-per-mm", row["px_per_mm"], "--json"],
                                        capture_output=True, text=True, check=True)
                metrics = json.loads(scored.stdout)["metrics"]
                session = sessions[row["image"]]
                pores = session["summary"]["pores"]
                density.append(value(metrics, "pores", "density_per_cm2") / pores["density_per_cm2"])
                diameter.append(value(metrics, "pores", "mean_diameter_mm") / pores["mean_diameter_mm"])
                lines = session["summary"]["wrinkles"]["length_mm_per_cm2"]
                if lines > 0:
                    length.append(value(metrics, "wrinkles", "length_mm_per_cm2") / lines)
                print(f"seed {seed} {row['image']:<28} density x {density[-1]:.3f}  diameter x "
                      f"{diameter[-1]:.3f}  blur {session['capture']['blur_sigma_px']:.2f} px"
                      + (f"  wrinkle length x {length[-1]:.3f}" if lines > 0 else ""))
    for name, ratios, tolerance in (("density", density, 0.10), ("diameter", diameter, 0.10),
                                    ("wrinkle length", length, 0.15)):
        if not ratios:
            continue
        within = sum(abs(r - 1) <= tolerance for r in ratios)
        print(f"{name}: median x {statistics.median(ratios):.3f}, within {tolerance:.0%} in "
              f"{within} of {len(ratios)}")


if __name__ == "__main__":
    main()
