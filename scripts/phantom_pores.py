#!/usr/bin/env python3
"""Pore density and mean diameter on `skintrack phantom`'s default series, through the CLI.

For each seed, renders the default series (120 x 90 mm at 10 px/mm, two subjects, 20 captures
with the phantom's capture variation, lens blur 0.3-0.8 px), scores every capture alone with
`skintrack score --px-per-mm` (the manifest's scale) and divides `pores.density_per_cm2` and
`pores.mean_diameter_mm` by the session's truth (`summary.pores` in truth.json). Prints one line per
capture (with its lens blur) and the medians and the number of captures within +-10 %. The
default-series pore figures of docs/METRICS.md ("Sizes") come from

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
    density, diameter = [], []
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
                print(f"seed {seed} {row['image']:<28} density x {density[-1]:.3f}  diameter x "
                      f"{diameter[-1]:.3f}  blur {session['capture']['blur_sigma_px']:.2f} px")
    for name, ratios in (("density", density), ("diameter", diameter)):
        within = sum(abs(r - 1) <= 0.10 for r in ratios)
        print(f"{name}: median x {statistics.median(ratios):.3f}, within 10 % in {within} of "
              f"{len(ratios)}")


if __name__ == "__main__":
    main()
