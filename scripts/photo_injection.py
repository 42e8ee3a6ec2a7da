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

- brown spots: three discs 2.5 mm across with 0.35 more melanin, the rim rising over 0.3 mm,
  2 mm clear of the spots `score` found; "covered" is the share of their inside on the
  brown-spot map.
- pores: forty dark openings 0.3 mm across (or 4 px) with the phantom's cup profile at shading
  density 0.45 (the phantom's own contrast) and 0.9 at the centre, 0.5 mm clear of the pores and
  lines `score` found, on photos fine enough (4 px under 0.5 mm); "found" is the share with a
  pore on the map at its centre.

Colour changes are compared with `skintrack compare ORIGINAL CHANGED --same-light --json` (the
same camera and light, only the skin changed) and the measured delta set against the exact one.
Grooves are scored with `skintrack score CHANGED --maps DIR`: a groove counts as found along
each 0.1 mm of its length where the wrinkle map (ridge pixels of kept lines) is non-zero within
1 analysis pixel; `compare` gives the change of line length and its verdict.

    /usr/bin/python3 scripts/photo_injection.py build/ci/src/cli/skintrack ../shared/data/photos

Needs numpy and OpenCV's Python binding (Debian: python3-opencv). Work files go to a temporary
directory, removed at the end, or to the directory KEEP_WORK names (kept, to look at the copies
and their maps). About 6 minutes for the 19 sample photos on two cores.
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
SPOTS = 3
SPOT_DIAMETER_MM = 2.5
SPOT_MELANIN = 0.35
PORES = 40
PORE_DIAMETER_MM = 0.3
PORE_DENSITIES = (0.45, 0.9)  # the phantom's pore_contrast (core/phantom/phantom.h), twice it


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


def groove_points(segments, image_px_per_mm):
    """Points every 0.1 mm along each segment (image pixels)."""
    points = []
    for p, q in segments:
        n = max(2, int(np.linalg.norm(q - p) / image_px_per_mm / 0.1))
        points += [tuple(p + t * (q - p)) for t in np.linspace(0, 1, n)]
    return points


def map_on(maps_dir, names, shape):
    """Where any of the maps `names` of a `score --maps` folder is non-zero, as a 0/1 image of
    `shape` (the photo's), nearest-neighbour from the analysis size."""
    on = None
    for name in names:
        values = cv2.imread(str(maps_dir / name), cv2.IMREAD_UNCHANGED)
        on = (values > 0) if on is None else (on | (values > 0))
    return cv2.resize(on.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def place_discs(mask, avoid, count, radius_px, clearance_px, gap_px, rng):
    """Up to `count` centres (x, y) at least clearance_px + radius_px inside the mask and from
    every pixel of `avoid`, and gap_px apart (edge to edge)."""
    reach = radius_px + clearance_px
    inside = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 5) > reach
    clear = cv2.distanceTransform((avoid == 0).astype(np.uint8), cv2.DIST_L2, 5) > reach
    ys, xs = np.nonzero(inside & clear)
    centres = []
    for _ in range(100 * count):
        if len(centres) == count or len(xs) == 0:
            break
        i = rng.integers(len(xs))
        c = np.array([xs[i], ys[i]], float)
        if all(np.linalg.norm(c - o) > 2 * radius_px + gap_px for o in centres):
            centres.append(c)
    return centres


def draw_discs(linear_bgr, centres, radius_px, edge_px, spectrum_rgb, density, cup=False):
    """Adds `density` of a chromophore (or of shading, spectrum (1, 1, 1)) inside discs whose edge
    rises smoothly over edge_px; with `cup`, the phantom's pore profile instead: a disc with a
    one-pixel anti-aliased edge, deepest at the centre (0.75 + 0.25 (1 - (r/R)^2) of `density`)."""
    out = linear_bgr.copy()
    h, w = out.shape[:2]
    reach = int(math.ceil(radius_px + edge_px)) + 2
    gains_bgr = spectrum_rgb[::-1]
    for cx, cy in centres:
        x0, x1 = max(0, int(cx) - reach), min(w, int(cx) + reach + 1)
        y0, y1 = max(0, int(cy) - reach), min(h, int(cy) + reach + 1)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        r = np.hypot(xx - cx, yy - cy)
        if cup:
            coverage = np.clip(radius_px + 0.5 - r, 0, 1)
            u = np.minimum(r / max(radius_px, 0.5), 1.0)
            amount = coverage * (0.75 + 0.25 * (1 - u * u))
        else:
            t = np.clip((radius_px + 0.5 * edge_px - r) / edge_px, 0, 1)
            amount = t * t * (3 - 2 * t)
        factor = np.exp(-density * amount[..., None] * gains_bgr[None, None, :])
        out[y0:y1, x0:x1] *= factor
    return out


def map_share(maps_dir, name, points):
    """Share of `points` (image pixels) where the map `name` is non-zero within 1 analysis px."""
    info = json.loads((maps_dir / "maps.json").read_text())
    scale = info["analysis_scale"]
    values = cv2.imread(str(maps_dir / f"{name}.tiff"), cv2.IMREAD_UNCHANGED)
    if values is None or not points:
        return None
    found = cv2.dilate((values > 0).astype(np.uint8), np.ones((3, 3), np.uint8))
    hits = 0
    for x, y in points:
        xi, yi = int(round(x * scale)), int(round(y * scale))
        hits += 0 <= yi < found.shape[0] and 0 <= xi < found.shape[1] and found[yi, xi] > 0
    return hits / len(points)


def study_spots(skintrack, photo, work, base, linear, mask, maps, px_per_mm, rng):
    """Brown spots of known area: SPOTS discs of SPOT_DIAMETER_MM with SPOT_MELANIN more melanin."""
    radius = 0.5 * SPOT_DIAMETER_MM * px_per_mm
    if radius < 4:
        return {"skipped": f"{px_per_mm:.2f} px/mm"}
    avoid = map_on(maps, ["pigmentation_brown_spots.tiff"], mask.shape)
    centres = place_discs(mask, avoid, SPOTS, radius, 2.0 * px_per_mm, 2.0 * px_per_mm, rng)
    if len(centres) < SPOTS:
        return {"skipped": "no room on the skin"}
    path = work / f"{photo.stem}_spots.png"
    cv2.imwrite(str(path), to_srgb8(draw_discs(linear, centres, radius, 0.3 * px_per_mm,
                                               SIGMA_M, SPOT_MELANIN)))
    spot_maps = work / f"{photo.stem}_spot_maps"
    _, err = score_with_maps(skintrack, path, spot_maps)
    inside = [(cx + r * math.cos(a), cy + r * math.sin(a)) for cx, cy in centres
              for r in np.linspace(0, 0.9 * radius, 5) for a in np.linspace(0, 2 * math.pi, 12)]
    covered = map_share(spot_maps, "pigmentation_brown_spots", inside) if err is None else None
    cmp, err2 = compare(skintrack, base, path)
    area = None
    if cmp is not None:
        d = delta_of(cmp, "pigmentation.brown_spot_area_pct")
        if d is not None and d.get("before") is not None:
            added = 100.0 * SPOTS * math.pi * radius ** 2 / cmp["mask"]["common_pixels"]
            area = {"before": d["before"], "after": d["after"], "added": added,
                    "direction": d.get("direction")}
    return {"px_per_mm": px_per_mm, "covered": covered, "area": area, "error": err or err2}


def study_pores(skintrack, photo, work, base, linear, mask, maps, px_per_mm, rng):
    """PORES dark openings of PORE_DIAMETER_MM (or 4 px) with the phantom's cup profile, at each
    of PORE_DENSITIES (shading density at the centre)."""
    diameter = max(PORE_DIAMETER_MM * px_per_mm, 4.0)
    if diameter > 0.5 * px_per_mm:  # 4 px is more than 0.5 mm: no pore that small is resolved
        return {"skipped": f"{px_per_mm:.2f} px/mm"}
    avoid = map_on(maps, ["pores.tiff", "wrinkles.tiff"], mask.shape)
    centres = place_discs(mask, avoid, PORES, 0.5 * diameter, 0.5 * px_per_mm,
                          0.5 * px_per_mm, rng)
    if len(centres) < PORES // 2:
        return {"skipped": "no room on the skin"}
    results = []
    for density in PORE_DENSITIES:
        path = work / f"{photo.stem}_pores_{density}.png"
        cv2.imwrite(str(path), to_srgb8(draw_discs(linear, centres, 0.5 * diameter, 1.0,
                                                   np.ones(3), density, cup=True)))
        pore_maps = work / f"{photo.stem}_pore_maps_{density}"
        _, err = score_with_maps(skintrack, path, pore_maps)
        found = map_share(pore_maps, "pores", [tuple(c) for c in centres]) if err is None else None
        cmp, err2 = compare(skintrack, base, path)
        count = None
        if cmp is not None:
            d = delta_of(cmp, "pores.count")
            if d is not None and d.get("before") is not None:
                count = {"before": d["before"], "after": d["after"], "direction": d.get("direction")}
        results.append({"density": density, "found": found, "count": count, "error": err or err2})
    return {"px_per_mm": px_per_mm, "diameter_px": diameter, "added": len(centres),
            "densities": results}


def study_grooves(skintrack, photo, work, base, linear, mask, maps, px_per_mm, rng):
    """GROOVES tapered lines of known length at each of GROOVE_DEPTHS."""
    fwhm_px = max(0.5 * px_per_mm, 4.0)
    if fwhm_px > 1.2 * px_per_mm:  # 4 px wider than the widest line searched (1.2 mm)
        return {"skipped": f"{px_per_mm:.2f} px/mm"}
    avoid = map_on(maps, ["wrinkles.tiff"], mask.shape)
    segments, length_mm = place_grooves(mask, avoid, px_per_mm, rng)
    if not segments:
        return {"skipped": "no room on the skin"}
    mask_px = np.count_nonzero(mask)
    added_px = sum(np.linalg.norm(q - p) for p, q in segments)
    # What the lines add over the skin mask, in each unit the length may be reported in (the
    # searched area is a little smaller, so a full recovery reads somewhat above 1).
    added = {"length_mm_per_cm2": (added_px / px_per_mm) / (mask_px / px_per_mm ** 2 / 100.0),
             "length_px_per_mpx": added_px / (mask_px / 1e6)}
    result = {"px_per_mm": px_per_mm, "fwhm_mm": fwhm_px / px_per_mm, "length_mm": length_mm,
              "depths": []}
    along = groove_points(segments, px_per_mm)
    for depth in GROOVE_DEPTHS:
        path = work / f"{photo.stem}_grooves_{depth}.png"
        cv2.imwrite(str(path), to_srgb8(draw_grooves(linear, segments, fwhm_px, depth)))
        groove_maps = work / f"{photo.stem}_groove_maps_{depth}"
        _, err = score_with_maps(skintrack, path, groove_maps)
        coverage = map_share(groove_maps, "wrinkles", along) if err is None else None
        cmp, err2 = compare(skintrack, base, path)
        length = None
        if cmp is not None:
            for key, key_added in added.items():
                d = delta_of(cmp, f"wrinkles.{key}")
                if d is not None and d.get("before") is not None and d.get("after") is not None:
                    length = {"key": key, "before": d["before"], "after": d["after"],
                              "added": key_added, "direction": d.get("direction")}
                    break
        result["depths"].append({"depth": depth, "coverage": coverage, "length": length,
                                 "error": err or err2})
    return result


def study_photo(skintrack, photo, work):
    out = {"photo": photo.name, "colour": [], "grooves": None, "spots": None, "pores": None,
           "errors": []}
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

    # Each study draws from its own seeded stream, so that where one places its features does
    # not depend on how many draws another needed (which follows what the photo's maps hold).
    def rng(study):
        return np.random.default_rng([zlib.crc32(photo.name.encode()), study])

    out["spots"] = study_spots(skintrack, photo, work, base, linear, mask, maps,
                               image_px_per_mm, rng(0))
    out["pores"] = study_pores(skintrack, photo, work, base, linear, mask, maps,
                               image_px_per_mm, rng(1))
    out["grooves"] = study_grooves(skintrack, photo, work, base, linear, mask, maps,
                                   image_px_per_mm, rng(2))
    return out


def pct(share):
    return "-" if share is None else f"{100 * share:3.0f} %"


def each_studied(results, key):
    """(photo, result) of every photo with a `key` study; prints the photos it skipped."""
    for r in results:
        g = r.get(key)
        if g is None or "skipped" in g:
            print(f"  {r['photo']:<24} skipped ({g['skipped'] if g else 'error'})")
            continue
        yield r["photo"], g


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
    for photo, g in each_studied(results, "grooves"):
        parts = []
        for d in g["depths"]:
            cov = pct(d["coverage"])
            ln = d["length"]
            change = ("-" if ln is None else
                      f"{(ln['after'] - ln['before']) / ln['added']:5.2f} ({ln['direction']})")
            parts.append(f"depth {d['depth']:.2f}: found {cov}, length {change}")
        print(f"  {photo:<24} {g['px_per_mm']:5.2f} px/mm, {g['length_mm']:.0f} mm, FWHM "
              f"{g['fwhm_mm']:.2f} mm | " + " | ".join(parts))
    print(f"\nBrown spots: {SPOTS} discs of {SPOT_DIAMETER_MM} mm with {SPOT_MELANIN} more melanin; "
          "covered = share of their inside on the brown-spot map; area change measured / added")
    for photo, g in each_studied(results, "spots"):
        cov = pct(g["covered"])
        a = g["area"]
        change = ("-" if a is None else
                  f"{a['before']:.3g} -> {a['after']:.3g} %, {(a['after'] - a['before']) / a['added']:.2f} "
                  f"of the {a['added']:.3g} points added ({a['direction']})")
        print(f"  {photo:<24} {g['px_per_mm']:5.2f} px/mm: covered {cov}; {change}")
    print(f"\nPores: {PORES} dark openings of {PORE_DIAMETER_MM} mm (or 4 px), the phantom's profile, "
          f"shading density {' or '.join(map(str, PORE_DENSITIES))} at the centre; found = share with a "
          "pore on the map at their centre")
    for photo, g in each_studied(results, "pores"):
        parts = []
        for d in g["densities"]:
            found = pct(d["found"])
            c = d["count"]
            change = ("-" if c is None else
                      f"count {c['before']:.0f} -> {c['after']:.0f} ({c['direction']})")
            parts.append(f"density {d['density']}: found {found}, {change}")
        print(f"  {photo:<24} {g['px_per_mm']:5.2f} px/mm, {g['added']} of {g['diameter_px']:.1f} px | "
              + " | ".join(parts))
    for r in results:
        for e in r["errors"]:
            print(f"error: {r['photo']}: {e}")


if __name__ == "__main__":
    main()
