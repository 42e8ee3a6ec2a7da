#pragma once
// Loading capture images safely.
//
// Supported: JPEG (8-bit baseline/progressive), PNG (1-16 bit, grey/colour, alpha dropped), TIFF
// (8 and 16 bit per channel, uncompressed or compressed as libtiff supports). The file header is
// parsed by this module *before* any pixel is decoded, so a file that declares more pixels than
// `LoadOptions::max_pixels` (a decompression bomb) is refused without allocating the image.
// Truncated JPEG and PNG files are detected structurally (no end-of-image marker / IEND chunk), since
// the decoders would otherwise return a partly grey image.
//
// Pixels come back as OpenCV BGR, CV_8UC3 or CV_16UC3, with the EXIF orientation applied (the image
// is upright as the photographer saw it). Colour is the file's encoded sRGB; see core/color/srgb.h
// for linearisation.
//
// Errors: every failure is ErrorCode::kBadInput with a message naming the file and the problem.
// Thread-safety: all functions are reentrant.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

struct LoadOptions {
  // Largest accepted width*height, checked from the header before decoding (default 100 MP).
  std::int64_t max_pixels = 100'000'000;
  // Largest accepted file size in bytes (default 1 GiB).
  std::int64_t max_file_bytes = std::int64_t{1} << 30;
  // Rotate/flip the pixels according to the EXIF Orientation tag.
  bool apply_orientation = true;
};

// What the file header declares, read without decoding pixels.
struct ImageHeader {
  std::string format;  // "jpeg", "png" or "tiff"
  int width = 0;       // as stored, before EXIF orientation
  int height = 0;
  int bits_per_channel = 0;
  int channels = 0;
  // JPEG only: the IJG quality (1-100) whose scaling of the standard luminance table (ITU-T T.81
  // Annex K, Table K.1) best matches the file's own; nullopt without a luminance table.
  std::optional<int> jpeg_quality;
};

// The IJG quality (1..100) of an 8×8 luminance quantisation table in zig-zag order, as libjpeg's
// jpeg_quality_scaling would have made it from Table K.1: the mean ratio S (in %) of the table to
// K.1 gives quality = (200 − S)/2 for S ≤ 100 and 5000/S above. Tables from other encoders
// (cameras' own) give the nearest IJG equivalent.
int EstimateJpegQuality(const std::array<int, 64>& luminance_zigzag);

// Capture metadata from EXIF (all optional: many files carry none).
struct CaptureMetadata {
  std::optional<std::string> captured_at;  // ISO 8601 local time "YYYY-MM-DDTHH:MM:SS"
  std::string camera_make;
  std::string camera_model;
  std::optional<double> exposure_time_s;
  std::optional<double> f_number;
  std::optional<double> iso;
  int orientation = 1;  // EXIF Orientation tag, 1..8
  bool has_gps = false;
};

struct LoadedImage {
  cv::Mat bgr;  // CV_8UC3 or CV_16UC3, upright
  std::filesystem::path path;
  std::string sha256;  // of the file bytes
  std::int64_t file_bytes = 0;
  ImageHeader header;
  CaptureMetadata metadata;
  // % of pixels that are not fully opaque in a file with an alpha channel (0 without one). The
  // alpha is dropped: the colour under a transparent pixel is measured like any other.
  double transparent_pct = 0;
};

// Parses the header of a JPEG, PNG or TIFF held in memory; checks structure (truncation) and
// declared size. `name` is used in messages only.
Result<ImageHeader> ProbeImageHeader(std::string_view bytes, std::string_view name);

// Reads EXIF metadata with exiv2. Missing or damaged EXIF gives an empty CaptureMetadata, not an
// error: metadata is never a reason to refuse a photo.
CaptureMetadata ReadCaptureMetadata(std::string_view bytes);

// Converts an EXIF "YYYY:MM:DD HH:MM:SS" stamp to ISO 8601 "YYYY-MM-DDTHH:MM:SS"; nullopt for
// blank ("0000:00:00 00:00:00") or malformed stamps.
std::optional<std::string> ParseExifDateTime(std::string_view exif_stamp);

// Returns `image` turned upright for EXIF orientation 1..8 (other values: unchanged copy).
cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation);

// Decodes an in-memory file. `path` is recorded and used in messages.
Result<LoadedImage> DecodeImage(std::string bytes, const std::filesystem::path& path,
                                const LoadOptions& options = {});

// Reads and decodes a file.
Result<LoadedImage> LoadImage(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace skintrack::core
