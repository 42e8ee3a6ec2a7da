#include "core/metrics/map_export.h"

#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"

namespace skintrack::core {
namespace fs = std::filesystem;

cv::Mat MapPreview(const MetricMap& map, const cv::Mat& mask) {
  cv::Mat scaled;
  const double range = std::max(1e-9, static_cast<double>(map.display_max - map.display_min));
  map.values.convertTo(scaled, CV_8U, 255.0 / range, -map.display_min * 255.0 / range);
  cv::Mat preview;
  cv::applyColorMap(scaled, preview, cv::COLORMAP_TURBO);
  if (!mask.empty()) preview.setTo(cv::Scalar(128, 128, 128), mask == 0);
  return preview;
}

namespace {

Status WriteEncoded(const fs::path& path, const cv::Mat& image) {
  std::vector<uchar> bytes;
  try {
    if (!cv::imencode(path.extension().string(), image, bytes)) {
      return StorageError("cannot encode map '" + path.string() + "'");
    }
  } catch (const cv::Exception& e) {
    return StorageError("cannot encode map '" + path.string() + "': " + e.what());
  }
  return WriteFileAtomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                bytes.size()));
}

}  // namespace

Status WriteMetricMaps(const fs::path& dir, const std::vector<MetricGroup>& groups,
                       const AnalysisFrame& frame) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return StorageError("cannot create the maps directory '" + dir.string() + "': " +
                        ec.message() + "; choose a writable --maps directory");
  }
  nlohmann::json index = {{"schema", "skintrack.maps/1"},
                          {"analysis_scale", frame.downscale},
                          {"width", frame.mask.cols},
                          {"height", frame.mask.rows}};
  index["px_per_mm"] = frame.scale_known ? nlohmann::json(frame.px_per_mm) : nlohmann::json();
  nlohmann::json list = nlohmann::json::array();
  for (const MetricGroup& group : groups) {
    for (const MetricMap& map : group.maps) {
      cv::Mat values;
      map.values.convertTo(values, CV_32F);
      SKT_RETURN_IF_ERROR(WriteEncoded(dir / (map.name + ".tiff"), values));
      SKT_RETURN_IF_ERROR(WriteEncoded(dir / (map.name + "_preview.png"),
                                       MapPreview(map, frame.mask)));
      list.push_back({{"name", map.name},
                      {"group", group.name},
                      {"file", map.name + ".tiff"},
                      {"preview", map.name + "_preview.png"},
                      {"unit", map.unit},
                      {"display_min", map.display_min},
                      {"display_max", map.display_max}});
    }
  }
  index["maps"] = list;
  SKT_RETURN_IF_ERROR(WriteEncoded(dir / "skin_mask.png", frame.mask));
  return WriteFileAtomic(dir / "maps.json", index.dump(2) + "\n");
}

}  // namespace skintrack::core
