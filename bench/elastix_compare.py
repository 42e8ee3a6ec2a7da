#!/usr/bin/python3
"""Registration accuracy and time: skintrack align against elastix (affine, Mattes MI) on the same
synthetic warps of real photos.

For each photo a follow-up is made by a random similarity warp (rotation ±10°, scale ±15 %,
translation ±10 %) with an exposure change and JPEG recompression, so the true transform is known.
Both tools align the follow-up (moving) to the photo (fixed); the error is the mean distance, in
fixed-image pixels, between the moving image's corners mapped by the estimated and by the true
fixed_from_moving transform. Wall time per pair, both single-threaded.

usage: bench/elastix_compare.py SKINTRACK_BIN PHOTOS_DIR [TRIALS_PER_PHOTO]
needs: elastix (Debian package), python3-opencv, python3-numpy
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

PHOTOS = ["faces/001_03.jpg", "faces/005_03.jpg", "faces/025_03.jpg", "faces/lisa_lisa1.jpg",
          "lesions/PAT_1286_999_824.png", "lesions/PAT_539_1023_878.png"]

ELASTIX_PARAMETERS = """(FixedInternalImagePixelType "float")
(MovingInternalImagePixelType "float")
(Registration "MultiResolutionRegistration")
(Interpolator "BSplineInterpolator")
(ResampleInterpolator "FinalBSplineInterpolator")
(Resampler "DefaultResampler")
(FixedImagePyramid "FixedSmoothingImagePyramid")
(MovingImagePyramid "MovingSmoothingImagePyramid")
(Optimizer "AdaptiveStochasticGradientDescent")
(Transform "AffineTransform")
(Metric "AdvancedMattesMutualInformation")
(AutomaticScalesEstimation "true")
(AutomaticTransformInitialization "true")
(AutomaticTransformInitializationMethod "CenterOfGravity")
(HowToCombineTransforms "Compose")
(NumberOfHistogramBins 32)
(NumberOfResolutions 4)
(MaximumNumberOfIterations 500)
(NumberOfSpatialSamples 4096)
(NewSamplesEveryIteration "true")
(ImageSampler "RandomCoordinate")
(BSplineInterpolationOrder 1)
(FinalBSplineInterpolationOrder 3)
(DefaultPixelValue 0)
(WriteResultImage "false")
(ResultImageFormat "png")
"""


def random_similarity(rng, w, h):
    angle = rng.uniform(-10, 10)
    scale = 1 + rng.uniform(-0.15, 0.15)
    tx, ty = rng.uniform(-0.1, 0.1) * w, rng.uniform(-0.1, 0.1) * h
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += (tx, ty)
    return np.vstack([m, [0, 0, 1]])  # moving_from_fixed


def corner_error(fixed_from_moving_est, fixed_from_moving_true, w, h):
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [w - 1, h - 1, 1], [0, h - 1, 1]], float).T
    a = fixed_from_moving_est @ corners
    b = fixed_from_moving_true @ corners
    a, b = a[:2] / a[2], b[:2] / b[2]
    return float(np.mean(np.linalg.norm(a - b, axis=0)))


def elastix_fixed_from_moving(params_file):
    """elastix's AffineTransform maps fixed points to moving points: T(x) = A(x - c) + c + t."""
    values = {}
    with open(params_file) as f:
        for line in f:
            line = line.strip()
            if line.startswith("(") and line.endswith(")"):
                parts = line[1:-1].split()
                values[parts[0]] = parts[1:]
    p = [float(v) for v in values["TransformParameters"]]
    c = np.array([float(v) for v in values["CenterOfRotationPoint"]])
    a = np.array([[p[0], p[1]], [p[2], p[3]]])
    t = np.array(p[4:6])
    moving_from_fixed = np.eye(3)
    moving_from_fixed[:2, :2] = a
    moving_from_fixed[:2, 2] = -a @ c + c + t
    return np.linalg.inv(moving_from_fixed)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 1
    binary, photos_dir = sys.argv[1], sys.argv[2]
    trials = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    rng = np.random.default_rng(20261121)
    env = dict(os.environ, OPENCV_FOR_THREADS_NUM="1", OMP_NUM_THREADS="1")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        params = os.path.join(work, "affine.txt")
        with open(params, "w") as f:
            f.write(ELASTIX_PARAMETERS)
        for name in PHOTOS:
            fixed = cv2.imread(os.path.join(photos_dir, name))
            if fixed is None:
                continue
            h, w = fixed.shape[:2]
            for trial in range(trials):
                moving_from_fixed = random_similarity(rng, w, h)
                moving = cv2.warpPerspective(fixed, moving_from_fixed, (w, h),
                                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
                moving = np.clip(moving.astype(np.float32) * rng.uniform(0.75, 1.3), 0, 255)
                fixed_path = os.path.join(work, "fixed.png")
                moving_path = os.path.join(work, "moving.jpg")
                cv2.imwrite(fixed_path, fixed)
                cv2.imwrite(moving_path, moving.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
                truth = np.linalg.inv(moving_from_fixed)

                t0 = time.perf_counter()
                run = subprocess.run([binary, "align", moving_path, fixed_path, "-o",
                                      os.path.join(work, "aligned.png"), "--json"],
                                     capture_output=True, text=True, env=env)
                ours_s = time.perf_counter() - t0
                ours_err = float("nan")
                if run.returncode == 0:
                    doc = json.loads(run.stdout)
                    est = np.array(doc["registration"]["fixed_from_moving"], float).reshape(3, 3)
                    ours_err = corner_error(est, truth, w, h)

                # elastix works on grey images; 8-bit PNG copies of both.
                fixed_grey = os.path.join(work, "fixed_grey.png")
                moving_grey = os.path.join(work, "moving_grey.png")
                cv2.imwrite(fixed_grey, cv2.cvtColor(fixed, cv2.COLOR_BGR2GRAY))
                cv2.imwrite(moving_grey, cv2.cvtColor(cv2.imread(moving_path), cv2.COLOR_BGR2GRAY))
                out_dir = os.path.join(work, "elastix")
                os.makedirs(out_dir, exist_ok=True)
                t0 = time.perf_counter()
                ex = subprocess.run(["elastix", "-f", fixed_grey, "-m", moving_grey, "-p", params,
                                     "-out", out_dir, "-threads", "1"],
                                    capture_output=True, text=True)
                elastix_s = time.perf_counter() - t0
                elastix_err = float("nan")
                result = os.path.join(out_dir, "TransformParameters.0.txt")
                if ex.returncode == 0 and os.path.exists(result):
                    elastix_err = corner_error(elastix_fixed_from_moving(result), truth, w, h)
                rows.append((name, trial, w, h, ours_err, ours_s, elastix_err, elastix_s))
                print(f"{name:32s} {trial} {w}x{h}  skintrack {ours_err:8.3f} px {ours_s:6.2f} s   "
                      f"elastix {elastix_err:8.3f} px {elastix_s:6.2f} s", flush=True)

    def summary(index_err, index_s, label):
        errs = np.array([r[index_err] for r in rows])
        ok = np.isfinite(errs) & (errs <= 1.0)
        secs = np.array([r[index_s] for r in rows])
        print(f"{label:10s} median corner error {np.nanmedian(errs):.3f} px, "
              f"p95 {np.nanpercentile(errs, 95):.3f} px, within 1 px {ok.sum()}/{len(rows)}, "
              f"median time {np.median(secs):.2f} s")
    print()
    summary(4, 5, "skintrack")
    summary(6, 7, "elastix")
    ratio = np.median([r[7] for r in rows]) / np.median([r[5] for r in rows])
    print(f"elastix / skintrack median time: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
