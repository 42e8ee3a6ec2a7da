#include "core/io/image_io.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>
#include <vector>

#include <exiv2/exiv2.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/sha256.h"

namespace skintrack::core {
namespace fs = std::filesystem;

namespace {

std::string Quote(std::string_view name) { return "'" + std::string(name) + "'"; }

// A pixel count in megapixels for messages: two decimals from 1 MP up ("1.82"), and below 1 MP
// enough decimals for two significant digits ("0.000001"), so that a small limit never reads as
// "0 MP"; trailing zeros are dropped ("100", "0.5").
std::string Megapixels(std::int64_t pixels) {
  const double mp = static_cast<double>(pixels) / 1e6;
  int decimals = 2;
  if (mp > 0 && mp < 1) decimals = 1 - static_cast<int>(std::floor(std::log10(mp)));
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << mp;
  std::string text = out.str();
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::uint32_t ReadBe16(const unsigned char* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }
std::uint32_t ReadBe32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool IsJpegSof(unsigned marker) {
  return (marker >= 0xC0 && marker <= 0xCF) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

Result<ImageHeader> ProbeJpeg(std::string_view bytes, std::string_view name) {
  const unsigned char* p = Bytes(bytes);
  const std::size_t n = bytes.size();
  ImageHeader header;
  header.format = "jpeg";
  std::size_t pos = 2;
  bool have_sof = false;
  while (true) {
    // Skip fill bytes between segments.
    while (pos < n && p[pos] == 0xFF && pos + 1 < n && p[pos + 1] == 0xFF) ++pos;
    if (pos + 4 > n) {
      return BadInputError("truncated JPEG " + Quote(name) +
                           ": the file ends inside its header; the copy is incomplete");
    }
    if (p[pos] != 0xFF) {
      return BadInputError("corrupt JPEG " + Quote(name) + ": expected a marker at byte " +
                           std::to_string(pos));
    }
    const unsigned marker = p[pos + 1];
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (marker == 0xD9) {
      return BadInputError("corrupt JPEG " + Quote(name) + ": end of image before any image data");
    }
    const std::size_t length = ReadBe16(p + pos + 2);
    if (length < 2 || pos + 2 + length > n) {
      return BadInputError("truncated JPEG " + Quote(name) + ": segment at byte " +
                           std::to_string(pos) + " runs past the end of the file");
    }
    if (IsJpegSof(marker) && !have_sof) {
      if (length < 8) return BadInputError("corrupt JPEG " + Quote(name) + ": short frame header");
      header.bits_per_channel = p[pos + 4];
      header.height = static_cast<int>(ReadBe16(p + pos + 5));
      header.width = static_cast<int>(ReadBe16(p + pos + 7));
      header.channels = p[pos + 9];
      have_sof = true;
      if (marker == 0xC3 || marker == 0xC7 || marker == 0xCB || marker == 0xCF) {
        return BadInputError("unsupported JPEG " + Quote(name) +
                             ": lossless JPEG is not supported; convert it to PNG or TIFF");
      }
    }
    if (marker == 0xDB) {  // quantisation tables: Pq/Tq, then 64 entries of 8 or 16 bits
      std::size_t at = pos + 4;
      const std::size_t end = pos + 2 + length;
      while (at < end) {
        const unsigned precision = p[at] >> 4, table = p[at] & 0x0F;
        const std::size_t entry = precision == 0 ? 1 : 2;
        if (at + 1 + 64 * entry > end) break;  // malformed: the decoder will say so
        if (table == 0) {
          std::array<int, 64> values{};
          for (int k = 0; k < 64; ++k) {
            const unsigned char* q = p + at + 1 + k * entry;
            values[static_cast<std::size_t>(k)] = entry == 1 ? q[0] : (q[0] << 8) | q[1];
          }
          header.jpeg_quality = EstimateJpegQuality(values);
        }
        at += 1 + 64 * entry;
      }
    }
    if (marker == 0xDA) {  // start of scan: entropy-coded data follows
      if (!have_sof) {
        return BadInputError("corrupt JPEG " + Quote(name) + ": image data before frame header");
      }
      // A complete file has an end-of-image marker after the scan data. Without it the camera or
      // the copy stopped early and the decoder would fill the rest with grey.
      const std::size_t data_start = pos + 2 + length;
      bool found_eoi = false;
      for (std::size_t i = n; i-- > data_start + 1;) {
        if (p[i - 1] == 0xFF && p[i] == 0xD9) {
          found_eoi = true;
          break;
        }
        if (n - i > (std::size_t{1} << 20)) break;  // trailing garbage larger than 1 MiB: give up
      }
      if (!found_eoi) {
        return BadInputError("truncated JPEG " + Quote(name) +
                             ": no end-of-image marker after the image data; the file is "
                             "incomplete (interrupted copy or download)");
      }
      break;
    }
    pos += 2 + length;
  }
  if (header.width <= 0 || header.height <= 0) {
    return BadInputError("corrupt JPEG " + Quote(name) + ": frame header declares " +
                         std::to_string(header.width) + "x" + std::to_string(header.height));
  }
  if (header.bits_per_channel != 8) {
    return BadInputError("unsupported JPEG " + Quote(name) + ": " +
                         std::to_string(header.bits_per_channel) +
                         "-bit JPEG; only 8-bit JPEG is supported");
  }
  return header;
}

Result<ImageHeader> ProbePng(std::string_view bytes, std::string_view name) {
  const unsigned char* p = Bytes(bytes);
  const std::size_t n = bytes.size();
  ImageHeader header;
  header.format = "png";
  std::size_t pos = 8;
  bool have_ihdr = false;
  bool have_iend = false;
  while (pos + 12 <= n) {
    const std::size_t length = ReadBe32(p + pos);
    const std::string_view type(bytes.data() + pos + 4, 4);
    if (length > n || pos + 12 + length > n) break;
    if (!have_ihdr) {
      if (type != "IHDR" || length < 13) {
        return BadInputError("corrupt PNG " + Quote(name) + ": first chunk is not IHDR");
      }
      header.width = static_cast<int>(std::min<std::uint32_t>(ReadBe32(p + pos + 8), 0x7fffffff));
      header.height = static_cast<int>(std::min<std::uint32_t>(ReadBe32(p + pos + 12), 0x7fffffff));
      header.bits_per_channel = p[pos + 16];
      const int colour_type = p[pos + 17];
      header.channels = colour_type == 0 ? 1 : colour_type == 2 ? 3 : colour_type == 3 ? 3
                        : colour_type == 4 ? 2 : colour_type == 6 ? 4 : 0;
      have_ihdr = true;
    }
    if (type == "IEND") {
      have_iend = true;
      break;
    }
    pos += 12 + length;
  }
  if (!have_ihdr) {
    return BadInputError("truncated PNG " + Quote(name) + ": the file ends inside its header");
  }
  if (header.width <= 0 || header.height <= 0) {
    return BadInputError("corrupt PNG " + Quote(name) + ": header declares " +
                         std::to_string(header.width) + "x" + std::to_string(header.height));
  }
  if (header.channels == 0) {
    return BadInputError("corrupt PNG " + Quote(name) + ": unknown colour type");
  }
  if (header.bits_per_channel != 1 && header.bits_per_channel != 2 &&
      header.bits_per_channel != 4 && header.bits_per_channel != 8 &&
      header.bits_per_channel != 16) {
    return BadInputError("unsupported PNG " + Quote(name) + ": bit depth " +
                         std::to_string(header.bits_per_channel));
  }
  if (!have_iend) {
    return BadInputError("truncated PNG " + Quote(name) +
                         ": no IEND chunk; the file is incomplete (interrupted copy or download)");
  }
  return header;
}

// Minimal classic-TIFF reader for the first image directory.
class TiffReader {
 public:
  TiffReader(std::string_view bytes, bool little_endian) : bytes_(bytes), little_(little_endian) {}
  bool Has(std::size_t offset, std::size_t size) const {
    return offset <= bytes_.size() && size <= bytes_.size() - offset;
  }
  std::uint32_t U16(std::size_t offset) const {
    const unsigned char* p = Bytes(bytes_) + offset;
    return little_ ? (std::uint32_t{p[1]} << 8) | p[0] : (std::uint32_t{p[0]} << 8) | p[1];
  }
  std::uint32_t U32(std::size_t offset) const {
    const unsigned char* p = Bytes(bytes_) + offset;
    return little_ ? (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) |
                         (std::uint32_t{p[1]} << 8) | p[0]
                   : ReadBe32(p);
  }
  // Values of a SHORT (3) or LONG (4) entry; empty when out of bounds or of another type.
  std::vector<std::uint32_t> Values(std::size_t entry) const {
    const std::uint32_t type = U16(entry + 2);
    const std::uint32_t count = U32(entry + 4);
    const std::size_t size = type == 3 ? 2 : type == 4 ? 4 : 0;
    std::vector<std::uint32_t> values;
    if (size == 0 || count == 0 || count > (1u << 24)) return values;
    std::size_t data = entry + 8;
    if (size * count > 4) data = U32(entry + 8);
    if (!Has(data, size * count)) return values;
    values.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      values.push_back(size == 2 ? U16(data + 2 * i) : U32(data + 4 * i));
    }
    return values;
  }

 private:
  std::string_view bytes_;
  bool little_;
};

Result<ImageHeader> ProbeTiff(std::string_view bytes, std::string_view name) {
  const bool little = bytes[0] == 'I';
  TiffReader tiff(bytes, little);
  ImageHeader header;
  header.format = "tiff";
  if (tiff.U16(2) == 43) {
    return BadInputError("unsupported TIFF " + Quote(name) + ": BigTIFF is not supported");
  }
  const std::size_t ifd = tiff.U32(4);
  if (!tiff.Has(ifd, 2)) {
    return BadInputError("truncated TIFF " + Quote(name) + ": image directory outside the file");
  }
  const std::size_t entries = tiff.U16(ifd);
  if (!tiff.Has(ifd + 2, entries * 12)) {
    return BadInputError("truncated TIFF " + Quote(name) + ": image directory runs past the end");
  }
  std::vector<std::uint32_t> offsets, counts;
  header.channels = 1;
  header.bits_per_channel = 1;
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t entry = ifd + 2 + 12 * i;
    const std::uint32_t tag = tiff.U16(entry);
    const auto values = tiff.Values(entry);
    if (values.empty()) continue;
    switch (tag) {
      case 256: header.width = static_cast<int>(std::min<std::uint32_t>(values[0], 0x7fffffff)); break;
      case 257: header.height = static_cast<int>(std::min<std::uint32_t>(values[0], 0x7fffffff)); break;
      case 258: header.bits_per_channel = static_cast<int>(values[0]); break;
      case 277: header.channels = static_cast<int>(values[0]); break;
      case 273: case 324: offsets = values; break;
      case 279: case 325: counts = values; break;
      default: break;
    }
  }
  if (header.width <= 0 || header.height <= 0) {
    return BadInputError("corrupt TIFF " + Quote(name) + ": no valid image width/height");
  }
  if (header.bits_per_channel != 8 && header.bits_per_channel != 16) {
    return BadInputError("unsupported TIFF " + Quote(name) + ": " +
                         std::to_string(header.bits_per_channel) +
                         " bits per channel; only 8- and 16-bit TIFF is supported");
  }
  for (std::size_t i = 0; i < std::min(offsets.size(), counts.size()); ++i) {
    if (!tiff.Has(offsets[i], counts[i])) {
      return BadInputError("truncated TIFF " + Quote(name) +
                           ": image data runs past the end of the file; the file is incomplete");
    }
  }
  return header;
}

}  // namespace

int EstimateJpegQuality(const std::array<int, 64>& luminance_zigzag) {
  // ITU-T T.81 Annex K, Table K.1 (luminance), in zig-zag order.
  static constexpr std::array<int, 64> kStandard = {
      16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
      26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
      56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
      95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99};
  // Quality 100 scales every entry to 0, clamped to 1: no information is discarded.
  if (std::all_of(luminance_zigzag.begin(), luminance_zigzag.end(), [](int v) { return v <= 1; })) {
    return 100;
  }
  double ratio_sum = 0;
  for (std::size_t k = 0; k < 64; ++k) {
    ratio_sum += 100.0 * std::max(1, luminance_zigzag[k]) / kStandard[k];
  }
  const double scale = ratio_sum / 64.0;
  const double quality = scale <= 100.0 ? (200.0 - scale) / 2.0 : 5000.0 / scale;
  return std::clamp(static_cast<int>(std::lround(quality)), 1, 100);
}

Result<ImageHeader> ProbeImageHeader(std::string_view bytes, std::string_view name) {
  if (bytes.empty()) {
    return BadInputError("empty file " + Quote(name) + ": it has zero bytes, not an image");
  }
  Result<ImageHeader> header = BadInputError("");
  if (bytes.size() >= 3 && std::memcmp(bytes.data(), "\xFF\xD8\xFF", 3) == 0) {
    header = ProbeJpeg(bytes, name);
  } else if (bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0) {
    header = ProbePng(bytes, name);
  } else if (bytes.size() >= 8 && (std::memcmp(bytes.data(), "II*\0", 4) == 0 ||
                                   std::memcmp(bytes.data(), "MM\0*", 4) == 0)) {
    header = ProbeTiff(bytes, name);
  } else {
    return BadInputError("not an image: " + Quote(name) +
                         " is not a JPEG, PNG or TIFF file (unrecognised signature)");
  }
  return header;
}

std::optional<std::string> ParseExifDateTime(std::string_view stamp) {
  // "YYYY:MM:DD HH:MM:SS" (19 characters; some cameras use '-' or 'T' separators).
  if (stamp.size() < 19) return std::nullopt;
  auto number = [&](std::size_t at, std::size_t len, int lo, int hi) -> std::optional<int> {
    int value = 0;
    const char* begin = stamp.data() + at;
    auto [ptr, ec] = std::from_chars(begin, begin + len, value);
    if (ec != std::errc() || ptr != begin + len || value < lo || value > hi) return std::nullopt;
    return value;
  };
  const auto year = number(0, 4, 1900, 2999);
  const auto month = number(5, 2, 1, 12);
  const auto day = number(8, 2, 1, 31);
  const auto hour = number(11, 2, 0, 23);
  const auto minute = number(14, 2, 0, 59);
  const auto second = number(17, 2, 0, 60);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  char out[20];
  std::snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d", *year, *month, *day, *hour,
                *minute, *second);
  return std::string(out);
}

CaptureMetadata ReadCaptureMetadata(std::string_view bytes) {
  CaptureMetadata meta;
  // exiv2 understands dozens of formats (RAW, WebP, PSD, ...); only the three this loader accepts
  // are handed to it, which keeps the parsers exposed to untrusted files to those it needs.
  const bool supported =
      (bytes.size() >= 3 && std::memcmp(bytes.data(), "\xFF\xD8\xFF", 3) == 0) ||
      (bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0) ||
      (bytes.size() >= 8 && (std::memcmp(bytes.data(), "II*\0", 4) == 0 ||
                             std::memcmp(bytes.data(), "MM\0*", 4) == 0));
  if (!supported) return meta;
  // exiv2's log level is a process-wide setting: set it once, not from every worker thread.
  static std::once_flag mute_once;
  std::call_once(mute_once, [] { Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute); });
  try {
    auto image = Exiv2::ImageFactory::open(reinterpret_cast<const Exiv2::byte*>(bytes.data()),
                                           static_cast<long>(bytes.size()));
    if (image.get() == nullptr) return meta;
    image->readMetadata();
    const Exiv2::ExifData& exif = image->exifData();
    if (exif.empty()) return meta;
    auto text = [&](const char* key) -> std::string {
      auto it = exif.findKey(Exiv2::ExifKey(key));
      if (it == exif.end()) return {};
      std::string value = it->toString();
      while (!value.empty() && (value.back() == ' ' || value.back() == '\0')) value.pop_back();
      return value;
    };
    auto number = [&](const char* key) -> std::optional<double> {
      auto it = exif.findKey(Exiv2::ExifKey(key));
      if (it == exif.end() || it->count() == 0) return std::nullopt;
      const double value = static_cast<double>(it->toFloat(0));
      if (!std::isfinite(value) || value <= 0) return std::nullopt;
      return value;
    };
    std::string date = text("Exif.Photo.DateTimeOriginal");
    if (date.empty()) date = text("Exif.Image.DateTime");
    meta.captured_at = ParseExifDateTime(date);
    meta.camera_make = text("Exif.Image.Make");
    meta.camera_model = text("Exif.Image.Model");
    meta.exposure_time_s = number("Exif.Photo.ExposureTime");
    meta.f_number = number("Exif.Photo.FNumber");
    meta.iso = number("Exif.Photo.ISOSpeedRatings");
    auto orientation = exif.findKey(Exiv2::ExifKey("Exif.Image.Orientation"));
    if (orientation != exif.end() && orientation->count() > 0) {
      const long value = orientation->toLong(0);
      if (value >= 1 && value <= 8) meta.orientation = static_cast<int>(value);
    }
    for (const auto& datum : exif) {
      if (datum.groupName() == "GPSInfo") {
        meta.has_gps = true;
        break;
      }
    }
  } catch (...) {
    // Damaged metadata never makes a photo unusable; the pixels are decoded separately. (exiv2
    // throws its own error types; nothing it throws may escape core.)
  }
  return meta;
}

cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); break;
    case 3: cv::rotate(image, out, cv::ROTATE_180); break;
    case 4: cv::flip(image, out, 0); break;
    case 5: cv::transpose(image, out); break;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7:
      cv::transpose(image, out);
      cv::flip(out, out, -1);
      break;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: out = image.clone(); break;
  }
  return out;
}

Result<LoadedImage> DecodeImage(std::string bytes, const fs::path& path,
                                const LoadOptions& options) {
  const std::string name = path.string();
  SKT_ASSIGN_OR_RETURN(ImageHeader header, ProbeImageHeader(bytes, name));
  const std::int64_t pixels = std::int64_t{header.width} * header.height;
  if (pixels > options.max_pixels) {
    return BadInputError("image too large: " + Quote(name) + " declares " +
                         std::to_string(header.width) + "x" + std::to_string(header.height) +
                         " pixels (" + Megapixels(pixels) + " MP), above the limit of " +
                         Megapixels(options.max_pixels) +
                         " MP; downscale it or raise the limit with --max-megapixels");
  }
  LoadedImage loaded;
  loaded.path = path;
  loaded.file_bytes = static_cast<std::int64_t>(bytes.size());
  loaded.header = header;
  loaded.sha256 = Sha256Hex(bytes);
  loaded.metadata = ReadCaptureMetadata(bytes);

  cv::Mat decoded;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, bytes.data());
    decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return BadInputError("cannot decode " + Quote(name) + ": " + e.what());
  }
  if (decoded.empty()) {
    return BadInputError("cannot decode " + Quote(name) + ": the " + header.format +
                         " data is corrupt");
  }
  if (decoded.depth() != CV_8U && decoded.depth() != CV_16U) {
    return BadInputError("unsupported bit depth in " + Quote(name) +
                         ": only 8- and 16-bit images are supported");
  }
  switch (decoded.channels()) {
    case 1: cv::cvtColor(decoded, decoded, cv::COLOR_GRAY2BGR); break;
    case 2: {
      cv::Mat grey;
      cv::extractChannel(decoded, grey, 0);
      cv::cvtColor(grey, decoded, cv::COLOR_GRAY2BGR);
      break;
    }
    case 3: break;
    case 4: {
      cv::Mat alpha;
      cv::extractChannel(decoded, alpha, 3);
      const double opaque = decoded.depth() == CV_16U ? 65535.0 : 255.0;
      loaded.transparent_pct =
          100.0 * cv::countNonZero(alpha < opaque) / static_cast<double>(alpha.total());
      cv::cvtColor(decoded, decoded, cv::COLOR_BGRA2BGR);
      break;
    }
    default:
      return BadInputError("unsupported image " + Quote(name) + ": " +
                           std::to_string(decoded.channels()) + " channels");
  }
  loaded.bgr = options.apply_orientation
                   ? ApplyExifOrientation(decoded, loaded.metadata.orientation)
                   : decoded;
  return loaded;
}

Result<LoadedImage> LoadImage(const fs::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return BadInputError("file not found: " + Quote(path.string()) + "; check the path");
  }
  if (fs::is_directory(path, ec)) {
    return BadInputError(Quote(path.string()) + " is a directory, not an image file");
  }
  const auto size = fs::file_size(path, ec);
  if (ec) return BadInputError("cannot read " + Quote(path.string()) + ": " + ec.message());
  if (static_cast<std::int64_t>(size) > options.max_file_bytes) {
    return BadInputError("file too large: " + Quote(path.string()) + " has " +
                         std::to_string(size / (1 << 20)) + " MiB, above the limit of " +
                         std::to_string(options.max_file_bytes / (1 << 20)) + " MiB");
  }
  if (size == 0) {
    return BadInputError("empty file " + Quote(path.string()) + ": it has zero bytes, not an image");
  }
  // Peek at the header first so an oversized image costs no more than its first bytes.
  std::ifstream in(path, std::ios::binary);
  if (!in) return BadInputError("cannot open " + Quote(path.string()) + " (permissions?)");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    return BadInputError("read error in " + Quote(path.string()));
  }
  return DecodeImage(std::move(bytes), path, options);
}

}  // namespace skintrack::core
