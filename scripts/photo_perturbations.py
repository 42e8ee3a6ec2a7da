#!/usr/bin/env python3
"""No-change pairs from real photos: how far each judged key moves when nothing on the skin did.

For every photo under PHOTOS (faces/, closeups/, lesions/), writes six copies that show the same
skin: re-saved as JPEG at quality 92 and 85, turned 2 degrees and scaled 0.98, turned -5 degrees
and scaled 1.05 (each shifted by 1-2 % of the frame), and under a warmer, brighter light or a
cooler, darker one (red and blue gains of 1.06 and 0.94, or 0.95 and 1.06, with 10 % more or less
light, applied to linear light). Each copy is compared with its original by
`skintrack compare BEFORE AFTER --json`; any "improved", "worsened" or "changed" is a false
verdict. Prints, per key that was judged, the number of pairs, the false verdicts and the 50th,
90th and 95th percentiles of |after - before| / |before| (pairs with a non-zero baseline), then
the false verdicts one by one; with ROWS.csv, every judged value as well. docs/CLAIMS.md ("Real photos, nothing changed") quotes

    /usr/bin/python3 scripts/photo_perturbations.py build/ci/src/cli/skintrack ../shared/data/photos

These copies are milder than a real second capture (no change of pose, expression, lighting
direction or skin state), so a default MDC95 must cover at least what they move.

Needs numpy and OpenCV's Python binding (Debian: python3-opencv). Work files go to a temporary
directory, removed at the end. About 4 minutes for the 19 sample photos on two cores.
"""
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

JUDGED = ("improved", "worsened", "changed", "no_change")
FALSE = ("improved", "worsened", "changed")


def turned(image, degrees, scale, dx, dy):
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    m[0, 2] += dx * w
    m[1, 2] += dy * h
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LANCZOS4,
                          borderMode=cv2.BORDER_REFLECT)


def lit(image, gains_bgr, level):
    """The same scene under another light: channel gains on linear light (sRGB decoded, scaled,
    encoded again), as a camera's exposure and white balance act before its tone curve."""
    v = image.astype(np.float64) / 255.0
    linear = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    linear = np.clip(linear * np.array(gains_bgr) * level, 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear,
                       1.055 * linear ** (1 / 2.4) - 0.055)
    return np.clip(np.round(encoded * 255.0), 0, 255).astype(np.uint8)


def copies(image):
    """Name -> (image, JPEG quality) of the six copies that show the same skin."""
    return {
        "q92": (image, 92),
        "q85": (image, 85),
        "turn2": (turned(image, 2, 0.98, 0.01, -0.01), 92),
        "turn5": (turned(image, -5, 1.05, -0.02, -0.01), 92),
        "warm": (lit(image, (0.94, 1.0, 1.06), 1.10), 92),
        "cool": (lit(image, (1.06, 1.0, 0.95), 0.90), 92),
    }


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: photo_perturbations.py SKINTRACK PHOTOS_DIR [ROWS.csv]")
    skintrack, root = sys.argv[1], Path(sys.argv[2])
    rows = open(sys.argv[3], "w", newline="") if len(sys.argv) == 4 else None
    if rows:
        rows.write("key,photo,copy,before,after,mdc95,direction\n")
    photos = sorted(p for d in ("faces", "closeups", "lesions") for p in (root / d).glob("*")
                    if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    relative = collections.defaultdict(list)
    judged = collections.Counter()
    false_verdicts = []
    with tempfile.TemporaryDirectory(prefix="skintrack_perturb_") as work:
        for photo in photos:
            image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
            if image is None:
                print(f"skipped {photo}: not readable", file=sys.stderr)
                continue
            for name, (copy, quality) in copies(image).items():
                path = Path(work) / f"{photo.stem}_{name}.jpg"
                cv2.imwrite(str(path), copy, [cv2.IMWRITE_JPEG_QUALITY, quality])
                run = subprocess.run([skintrack, "compare", str(photo), str(path), "--json"],
                                     capture_output=True, text=True)
                if run.returncode != 0:
                    print(f"{photo.name} {name}: compare failed ({run.returncode}): "
                          f"{run.stderr.strip()[:200]}")
                    continue
                deltas = json.loads(run.stdout)["deltas"]
                for group, keys in deltas.items():
                    for key, d in keys.items():
                        if not isinstance(d, dict) or d.get("direction") not in JUDGED:
                            continue
                        metric = f"{group}.{key}"
                        if rows:
                            rows.write(f"{metric},{photo.name},{name},{d['before']},{d['after']},"
                                       f"{d['mdc95']},{d['direction']}\n")
                        judged[metric] += 1
                        if d["before"] != 0:
                            relative[metric].append(abs(d["after"] - d["before"]) / abs(d["before"]))
                        if d["direction"] in FALSE:
                            false_verdicts.append((metric, photo.name, name, d))
    wrong = collections.Counter(m for m, *_ in false_verdicts)
    print(f"{'key':<36}{'pairs':>6}{'false':>7}{'p50 %':>8}{'p90 %':>8}{'p95 %':>8}")
    for metric in sorted(judged):
        r = sorted(relative[metric])
        pct = (lambda q: f"{100 * r[int(q * (len(r) - 1))]:8.1f}") if r else (lambda q: f"{'-':>8}")
        print(f"{metric:<36}{judged[metric]:>6}{wrong[metric]:>7}{pct(0.5)}{pct(0.9)}{pct(0.95)}")
    print(f"\n{len(false_verdicts)} false verdicts in {sum(judged.values())} judged values")
    for metric, photo, name, d in false_verdicts:
        print(f"  {metric}: {photo} {name}: {d['before']:.4g} -> {d['after']:.4g} "
              f"(MDC95 {d['mdc95']:.4g}) {d['direction']}")


if __name__ == "__main__":
    main()
