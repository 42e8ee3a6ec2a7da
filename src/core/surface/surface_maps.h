#pragma once
// Images derived from a surface: Lambertian rendering (for tests, benchmarks and phantoms), shaded
// and normal-map previews for people, and the height-map file (32-bit float TIFF in mm).
//
// Frame (shared convention): x right, y down, z toward the camera; n = (-p, -q, 1)/|.|;
// Lambertian I = albedo * max(0, n . l) * intensity.
// Errors: file functions return kBadInput (reading) / kStorage (writing) with the path.
// Thread-safety: reentrant.

#include <filesystem>

#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

// Unit normals (CV_32FC3) from gradients p, q (CV_32FC1).
cv::Mat NormalsFromGradients(const cv::Mat& p, const cv::Mat& q);

// Gradients of a height map (CV_32FC1, height in pixel units) by central differences
// (one-sided at the border).
void GradientsOfHeight(const cv::Mat& height_px, cv::Mat& p, cv::Mat& q);

// Linear intensity CV_32FC1 of a Lambertian surface with unit `normals` and `albedo` (CV_32FC1,
// or empty for albedo 1) under a distant light of unit `direction` and `intensity`.
cv::Mat RenderLambertian(const cv::Mat& normals, const cv::Mat& albedo, const cv::Vec3d& direction,
                         double intensity = 1.0);

// 8-bit grey rendering of the normals under a light from the upper left (azimuth 225 deg,
// elevation 45 deg), albedo 1: shows relief independently of skin colour.
cv::Mat ShadedPreview(const cv::Mat& normals);

// Normals as the usual 8-bit normal-map colours: R, G, B = 255 (n + 1)/2 for x, y, z; returned
// in OpenCV BGR order for cv::imwrite.
cv::Mat NormalsToBgr8(const cv::Mat& normals);

// Writes a CV_32FC1 height map in mm as a 32-bit float TIFF, atomically.
Status WriteHeightMapTiff(const std::filesystem::path& path, const cv::Mat& height_mm);

// Writes an 8-bit image (PNG by extension) atomically.
Status WriteImageFile(const std::filesystem::path& path, const cv::Mat& image);

// Reads a single-channel floating-point height map (TIFF) in mm; kBadInput otherwise.
Result<cv::Mat> LoadHeightMap(const std::filesystem::path& path);

}  // namespace skintrack::core
