#!/usr/bin/env python3
"""Known changes injected into real photos: does skintrack measure what was added?

The phantom's truth is exact but its skin is drawn by the same project that measures it. Here
the skin is real and the change is known: for every photo under PHOTOS (faces/, closeups/,
lesions/) the script writes the photo and changed copies of it as PNG (so that no re-compression
moves anything) and measures them.

- haemoglobin: linear RGB of the skin multiplied by exp(-dh * sigma_h), the Tsumura model's
  haemoglobin density spectrum (core/color/skin_model.h), for dh = 0.05 and 0.15. Per pixel the
  model's c_h rises by exactly dh, the erythema index EI = 100 log10(R/G) by 16.72 dh and the
  melanin index MI = 100 log10(1/R) by 12.98 dh; c_m is unchanged.
- melanin: the same with sigma_m, dm = 0.05 and 0.15: c_m +dm, MI +17.99 dm, EI +2.49 dm
  (100 (0.4143 - 0.3570) dm / ln 10), c_h unchanged.
  The skin is darkened inside the skin mask `score` finds, feathered over 2 mm.
- grooves: three straight lines, each 8 mm long (6 mm where 8 do not fit), darkened in linear
  light with a Gaussian cross-section (20 % or 35 % darker at the centre, neutral as a shadow
  is; the depth tapered over the first and last 20 % of the length as the phantom's are), FWHM
  0.5 mm or 4 px, whichever is wider, placed at random (seeded) on skin at least 2 mm inside the
  mask and 2 mm from every line `score` found in the photo. A photo whose 4 px are wider than
  the widest line searched, 1.2 mm (coarser than 3.3 px/mm), gets none.

Colour changes are compared with `skintrack compare ORIGINAL CHANGED --same-light --json` (the
same camera and light, only the skin changed) and the measured delta set against the exact one.
Grooves are scored with `skintrack score CHANGED --maps DIR`: a groove counts as found along
each 0.1 mm of its length where the wrinkle map (ridge pixels of kept lines) is non-zero within
1 analysis pixel; `compare` gives the change of line length and its verdict.

    /usr/bin/python3 scripts/photo_injection.py build/ci/src/cli/skintrack ../shared/data/photos

Needs numpy and OpenCV's Python binding (Debian: python3-opencv). Work files go to a temporary
directory, removed at the end, or to the directory KEEP_WORK names (kept, to look at the copies
and their maps). About 4 minutes for the 19 sample photos on two cores.
"""
import concurrent.futures
import json
import math
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import cv2
import numpy as np

SIGMA_M = np.array([0.4143, 0.3570, 0.8372])  # R, G, B (core/color/skin_model.h)
SIGMA_H = np.array([0.2988, 0.6838, 0.6657])
LN10 = math.log(10.0)
# Exact per-pixel changes of the colour keys for a unit density added.
EXPECTED = {
    "hemoglobin": {"redness.hemoglobin_mean": 1.0,
                   "redness.erythema_index_mean": 100 * (SIGMA_H[1] - SIGMA_H[0]) / LN10,
                   "pigmentation.melanin_index_mean": 100 * SIGMA_H[0] / LN10,
                   "pigmentation.melanin_mean": 0.0},
    "melanin": {"pigmentation.melanin_mean": 1.0,
                "pigmentation.melanin_index_mean": 100 * SIGMA_M[0] / LN10,
                "redness.erythema_index_mean": 100 * (SIGMA_M[1] - SIGMA_M[0]) / LN10,
                "redness.hemoglobin_mean": 0.0},
}
GROOVE_DEPTHS = (0.20, 0.35)
GROOVE_LENGTHS_MM = (8.0, 6.0)
GROOVES = 3


def to_linear(bgr):
    v = bgr.astype(np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def to_srgb8(linear):
    linear = np.clip(linear, 0.0, 1.0)
    v = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.clip(np.round(v * 255.0), 0, 255).astype(np.uint8)


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def score_with_maps(skintrack, image_path, maps_dir):
    r = run([skintrack, "score", str(image_path), "--json", "--maps", str(maps_dir)])
    if r.returncode != 0:
        return None, r.stderr.strip()[:200]
    return json.loads(r.stdout), None


def compare(skintrack, before, after):
    r = run([skintrack, "compare", str(before), str(after), "--same-light", "--json"])
    if r.returncode != 0:
        return None, r.stderr.strip()[:200]
    return json.loads(r.stdout), None


def delta_of(doc, key):
    group, name = key.split(".", 1)
    d = doc["deltas"].get(group, {}).get(name)
    return d if isinstance(d, dict) else None


def feathered_skin(mask, px_per_mm):
    sigma = max(1.0, 2.0 * px_per_mm / 2.0)
    return cv2.GaussianBlur((mask > 0).astype(np.float64), (0, 0), sigma)


def add_chromophore(linear_bgr, weight, spectrum_rgb, density):
    gains_bgr = np.exp(-density * spectrum_rgb[::-1])
    factor = 1.0 + weight[..., None] * (gains_bgr[None, None, :] - 1.0)
    return linear_bgr * factor


def place_grooves(mask, avoid, px_per_mm, rng):
    """Up to GROOVES segments (endpoints in image pixels) inside the mask, away from `avoid`."""
    margin = int(math.ceil(2.0 * px_per_mm))
    inside = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 5) > margin
    clear = cv2.distanceTransform((avoid == 0).astype(np.uint8), cv2.DIST_L2, 5) > margin
    allowed = inside & clear
    ys, xs = np.nonzero(allowed)
    if len(xs) == 0:
        return [], 0.0
    for length_mm in GROOVE_LENGTHS_MM:
        half = 0.5 * length_mm * px_per_mm
        segments = []
        for _ in range(4000):
            if len(segments) == GROOVES:
                break
            i = rng.integers(len(xs))
            c = np.array([xs[i], ys[i]], float)
            a = rng.uniform(0, math.pi)
            d = np.array([math.cos(a), math.sin(a)])
            p, q = c - half * d, c + half * d
            samples = [p + t * (q - p) for t in np.linspace(0, 1, 50)]
            if not all(0 <= s[0] < mask.shape[1] and 0 <= s[1] < mask.shape[0]
                       and allowed[int(s[1]), int(s[0])] for s in samples):
                continue
            far = all(min(np.linalg.norm(s - t) for t in other_samples) > 3.0 * px_per_mm
                      for _, _, other_samples in segments for s in samples[::5])
            if far:
                segments.append((p, q, samples))
        if len(segments) == GROOVES:
            return [(p, q) for p, q, _ in segments], length_mm
    return [], 0.0


def draw_grooves(linear_bgr, segments, fwhm_px, depth):
    h, w = linear_bgr.shape[:2]
    s = fwhm_px / 2.3548
    reach = int(math.ceil(4 * s)) + 1
    out = linear_bgr.copy()
    darkening = np.zeros((h, w))
    for p, q in segments:
        x0, x1 = max(0, int(min(p[0], q[0])) - reach), min(w, int(max(p[0], q[0])) + reach + 1)
        y0, y1 = max(0, int(min(p[1], q[1])) - reach), min(h, int(max(p[1], q[1])) + reach + 1)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        d = q - p
        t = np.clip(((xx - p[0]) * d[0] + (yy - p[1]) * d[1]) / d.dot(d), 0, 1)
        dist2 = (xx - p[0] - t * d[0]) ** 2 + (yy - p[1] - t * d[1]) ** 2
        # Depth tapered smoothly over the first and last 20 % of the length, as the phantom's
        # grooves are (core/phantom/render.cpp): real lines fade out rather than stop.
        edge = np.clip(np.minimum(t, 1 - t) / 0.2, 0, 1)
        taper = edge * edge * (3 - 2 * edge)
        darkening[y0:y1, x0:x1] = np.maximum(darkening[y0:y1, x0:x1],
                                             depth * taper * np.exp(-dist2 / (2 * s * s)))
    out *= (1.0 - darkening)[..., None]
    return out


def groove_coverage(maps_dir, segments, image_px_per_mm):
    info = json.loads((maps_dir / "maps.json").read_text())
    scale = info["analysis_scale"]
    wrinkles = cv2.imread(str(maps_dir / "wrinkles.tiff"), cv2.IMREAD_UNCHANGED)
    if wrinkles is None:
        return None
    found = cv2.dilate((wrinkles > 0).astype(np.uint8), np.ones((3, 3), np.uint8))
    covered = total = 0
    for p, q in segments:
        n = max(2, int(np.linalg.norm(q - p) / image_px_per_mm / 0.1))
        for t in np.linspace(0, 1, n):
            x, y = (p + t * (q - p)) * scale
            xi, yi = int(round(x)), int(round(y))
            total += 1
            if 0 <= yi < found.shape[0] and 0 <= xi < found.shape[1] and found[yi, xi]:
                covered += 1
    return covered / total if total else None


def study_photo(skintrack, photo, work):
    out = {"photo": photo.name, "colour": [], "grooves": None, "errors": []}
    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if image is None:
        out["errors"].append("not readable")
        return out
    base = work / f"{photo.stem}_original.png"
    cv2.imwrite(str(base), image)
    maps = work / f"{photo.stem}_maps"
    doc, err = score_with_maps(skintrack, base, maps)
    if doc is None:
        out["errors"].append(f"score failed: {err}")
        return out
    analysis = doc["metrics"]["analysis"]
    image_px_per_mm = analysis["px_per_mm"] / analysis["scale"]
    mask = cv2.imread(str(maps / "skin_mask.png"), cv2.IMREAD_GRAYSCALE)
    mask = cv2.resize(mask, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
    linear = to_linear(image)
    weight = feathered_skin(mask, image_px_per_mm)

    for chromophore, spectrum in (("hemoglobin", SIGMA_H), ("melanin", SIGMA_M)):
        for density in (0.05, 0.15):
            path = work / f"{photo.stem}_{chromophore}_{density}.png"
            cv2.imwrite(str(path), to_srgb8(add_chromophore(linear, weight, spectrum, density)))
            cmp, err = compare(skintrack, base, path)
            if cmp is None:
                out["errors"].append(f"{chromophore} {density}: compare failed: {err}")
                continue
            for key, per_unit in EXPECTED[chromophore].items():
                d = delta_of(cmp, key)
                if d is None or d.get("before") is None or d.get("after") is None:
                    continue
                out["colour"].append({"change": chromophore, "density": density, "key": key,
                                      "expected": per_unit * density,
                                      "measured": d["after"] - d["before"],
                                      "direction": d.get("direction")})

    fwhm_px = max(0.5 * image_px_per_mm, 4.0)
    if fwhm_px > 1.2 * image_px_per_mm:  # 4 px wider than the widest line searched (1.2 mm)
        out["grooves"] = {"skipped": f"{image_px_per_mm:.2f} px/mm"}
        return out
    avoid = cv2.imread(str(maps / "wrinkles.tiff"), cv2.IMREAD_UNCHANGED)
    avoid = cv2.resize((avoid > 0).astype(np.uint8), (image.shape[1], image.shape[0]),
                       interpolation=cv2.INTER_NEAREST)
    rng = np.random.default_rng(zlib.crc32(photo.name.encode()))
    segments, length_mm = place_grooves(mask, avoid, image_px_per_mm, rng)
    if not segments:
        out["grooves"] = {"skipped": "no room on the skin"}
        return out
    mask_mpx = np.count_nonzero(mask) / 1e6
    added_px = sum(np.linalg.norm(q - p) for p, q in segments)
    out["grooves"] = {"px_per_mm": image_px_per_mm, "fwhm_mm": fwhm_px / image_px_per_mm,
                      "length_mm": length_mm, "depths": []}
    for depth in GROOVE_DEPTHS:
        path = work / f"{photo.stem}_grooves_{depth}.png"
        cv2.imwrite(str(path), to_srgb8(draw_grooves(linear, segments, fwhm_px, depth)))
        groove_maps = work / f"{photo.stem}_groove_maps_{depth}"
        _, err = score_with_maps(skintrack, path, groove_maps)
        coverage = groove_coverage(groove_maps, segments, image_px_per_mm) if err is None else None
        cmp, err2 = compare(skintrack, base, path)
        length = None
        if cmp is not None:
            for key in ("length_mm_per_cm2", "length_px_per_mpx"):
                d = delta_of(cmp, f"wrinkles.{key}")
                if d is not None and d.get("before") is not None and d.get("after") is not None:
                    # What the lines add over the skin mask (the searched area is a little
                    # smaller, so a full recovery reads somewhat above 1).
                    added = (added_px / image_px_per_mm / (mask_mpx * 1e6 / image_px_per_mm ** 2
                                                           / 100.0)
                             if key == "length_mm_per_cm2" else added_px / mask_mpx)
                    length = {"key": key, "before": d["before"], "after": d["after"],
                              "added": added, "direction": d.get("direction")}
                    break
        out["grooves"]["depths"].append({"depth": depth, "coverage": coverage, "length": length,
                                         "error": err or err2})
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: photo_injection.py SKINTRACK PHOTOS_DIR")
    skintrack, root = sys.argv[1], Path(sys.argv[2])
    photos = sorted(p for d in ("faces", "closeups", "lesions") for p in (root / d).glob("*")
                    if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    with tempfile.TemporaryDirectory(prefix="skintrack_inject_") as tmp:
        work = Path(os.environ.get("KEEP_WORK", tmp))
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda p: study_photo(skintrack, p, work), photos))

    print("Colour: measured change / exact change (compare --same-light), per photo")
    rows = {}
    for r in results:
        for c in r["colour"]:
            rows.setdefault((c["change"], c["density"], c["key"]), []).append((r["photo"], c))
    for (change, density, key), entries in sorted(rows.items()):
        exact = entries[0][1]["expected"]
        if exact != 0:
            ratios = [c["measured"] / exact for _, c in entries]
            verdicts = sum(c["direction"] == "worsened" for _, c in entries)
            print(f"  {change} +{density:<5} {key:<34} exact {exact:+.4f}  ratio median "
                  f"{np.median(ratios):.3f}  min {min(ratios):.3f}  max {max(ratios):.3f}  "
                  f"'worsened' {verdicts}/{len(entries)}")
        else:
            moved = [abs(c["measured"]) for _, c in entries]
            judged = sum(c["direction"] not in ("no_change", None) for _, c in entries)
            print(f"  {change} +{density:<5} {key:<34} exact 0        |measured| median "
                  f"{np.median(moved):.4f}  max {max(moved):.4f}  judged a change {judged}/"
                  f"{len(entries)}")
    print(f"\nGrooves: {GROOVES} lines of known length added to the skin; found = share of their "
          "length on the wrinkle map; length change measured / added")
    for r in results:
        g = r["grooves"]
        if g is None or "skipped" in g:
            print(f"  {r['photo']:<24} skipped ({g['skipped'] if g else 'error'})")
            continue
        parts = []
        for d in g["depths"]:
            cov = "-" if d["coverage"] is None else f"{100 * d['coverage']:3.0f} %"
            ln = d["length"]
            change = ("-" if ln is None else
                      f"{(ln['after'] - ln['before']) / ln['added']:5.2f} ({ln['direction']})")
            parts.append(f"depth {d['depth']:.2f}: found {cov}, length {change}")
        print(f"  {r['photo']:<24} {g['px_per_mm']:5.2f} px/mm, {g['length_mm']:.0f} mm, FWHM "
              f"{g['fwhm_mm']:.2f} mm | " + " | ".join(parts))
    for r in results:
        for e in r["errors"]:
            print(f"error: {r['photo']}: {e}")


if __name__ == "__main__":
    main()
