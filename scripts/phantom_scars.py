#!/usr/bin/env python3
"""Scar recall and precision on `skintrack phantom`'s default series, through the CLI.

For each seed, renders the default series (120 x 90 mm at 10 px/mm, two subjects, 20 captures
with the phantom's capture variation), scores every capture alone with `skintrack score
--px-per-mm` (the manifest's scale) and `--maps`, and matches the connected parts of each scars map
to the truth's scars in image pixels: a truth scar is found when a part's centre lies within its
radius plus 3 px (at least 6 px); a part that matches no scar is a false scar, and parts within
20 px of an earlier unmatched one are the same scar cut by the mask. Prints the missed scars (shape,
depth, diameter), the false ones (capture, position, area in pixels) and the totals. The figures
of docs/METRICS.md (scars, "Known limits") come from

    scripts/phantom_scars.py build/ci/src/cli/skintrack 11,12,13,14,15,16

Needs python3-numpy and python3-opencv (for the float TIFF maps). Work files go to a temporary
directory, removed at the end.
"""
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np


def score_capture(skintrack, image, px_per_mm, maps):
    subprocess.run([skintrack, "score", str(image), "--px-per-mm", px_per_mm, "--maps", str(maps)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    scars = cv2.imread(str(maps / "scars.tiff"), cv2.IMREAD_UNCHANGED)
    width = cv2.imread(str(image), cv2.IMREAD_UNCHANGED).shape[1]
    to_image = width / scars.shape[1]
    count, _, stats, centres = cv2.connectedComponentsWithStats((scars > 0).astype(np.uint8))
    return [(centres[i][0] * to_image, centres[i][1] * to_image, int(stats[i][4]))
            for i in range(1, count)]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: phantom_scars.py SKINTRACK SEED[,SEED...]")
    skintrack, seeds = sys.argv[1], sys.argv[2].split(",")
    found = missed = false = 0
    with tempfile.TemporaryDirectory(prefix="skintrack_scars_") as work:
        for seed in seeds:
            series = Path(work) / f"series_{seed}"
            subprocess.run([skintrack, "phantom", "-o", str(series), "--seed", seed],
                           stdout=subprocess.DEVNULL, check=True)
            truth = json.loads((series / "truth.json").read_text())
            sessions = {x["image"]: x for s in truth["subjects"] for x in s["sessions"]}
            with open(series / "manifest.csv", newline="") as f:
                rows = list(csv.DictReader(f))
            for index, row in enumerate(rows):
                parts = score_capture(skintrack, series / row["image"], row["px_per_mm"],
                                      Path(work) / f"maps_{seed}_{index}")
                session = sessions[row["image"]]
                shapes = {c["id"]: c for c in session["features"]["canonical"]["scars"]}
                matched = set()
                for scar in session["features"]["image"]["scars"]:
                    reach = max(scar["diameter_px"] / 2, 3) + 3
                    hits = [j for j, (x, y, _) in enumerate(parts)
                            if (x - scar["x_px"]) ** 2 + (y - scar["y_px"]) ** 2 < reach ** 2]
                    if hits:
                        found += 1
                        matched.update(hits)
                    else:
                        missed += 1
                        c = shapes[scar["id"]]
                        print(f"missed  seed {seed} {row['image']}: {c['shape']}, depth "
                              f"{c['depth_mm']:.3f} mm, diameter {c['diameter_mm']:.2f} mm")
                kept = []
                for part in sorted((p for j, p in enumerate(parts) if j not in matched),
                                   key=lambda p: -p[2]):
                    if all((part[0] - k[0]) ** 2 + (part[1] - k[1]) ** 2 > 20 ** 2 for k in kept):
                        kept.append(part)
                        print(f"false   seed {seed} {row['image']}: at ({part[0]:.0f}, "
                              f"{part[1]:.0f}) px, {part[2]} px")
                false += len(kept)
    recall = found / max(1, found + missed)
    precision = found / max(1, found + false)
    print(f"recall {recall:.3f} ({found}/{found + missed}), precision {precision:.3f} "
          f"({found}/{found + false})")


if __name__ == "__main__":
    main()
