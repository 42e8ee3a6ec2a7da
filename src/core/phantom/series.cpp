// The treatment series: every subject photographed at every visit, optional photometric-stereo
// sets, manifest.csv and truth.json.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <opencv2/imgcodecs.hpp>

#include "core/base/atomic_file.h"
#include "core/base/version.h"
#include "core/color/srgb.h"
#include "core/phantom/phantom.h"
#include "core/phantom/render.h"
#include "core/phantom/scene.h"
#include "core/phantom/timeline.h"
#include "core/phantom/truth.h"

namespace skintrack::core {
namespace {

using nlohmann::json;

std::string SubjectId(int index) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "S%02d", index + 1);
  return buffer;
}

Result<std::string> Encode(const std::string& ext, const cv::Mat& image,
                           const std::vector<int>& params) {
  std::vector<uchar> bytes;
  try {
    if (!cv::imencode(ext, image, bytes, params)) {
      return InternalError("phantom: OpenCV could not encode a " + ext + " image");
    }
  } catch (const cv::Exception& e) {
    return InternalError("phantom: encoding " + ext + " failed: " + e.what());
  }
  return std::string(bytes.begin(), bytes.end());
}

// Fixed encoder parameters so that the same pixels always give the same bytes.
Result<std::string> EncodeJpeg(const cv::Mat& bgr, int quality) {
  return Encode(".jpg", bgr,
                {cv::IMWRITE_JPEG_QUALITY, quality, cv::IMWRITE_JPEG_OPTIMIZE, 0,
                 cv::IMWRITE_JPEG_PROGRESSIVE, 0});
}
Result<std::string> EncodePng(const cv::Mat& image) {
  return Encode(".png", image, {cv::IMWRITE_PNG_COMPRESSION, 6});
}

// Rec. 709 luminance of a linear RGB image, sRGB-encoded into 16-bit grey. Lambertian shading
// scales every channel alike, so any fixed combination of channels obeys the same model; one channel
// keeps the files a third of the size.
cv::Mat LinearLuminanceToGrey16(const cv::Mat& rgb_linear) {
  cv::Mat grey(rgb_linear.size(), CV_16U);
  for (int y = 0; y < grey.rows; ++y) {
    const auto* in = rgb_linear.ptr<cv::Vec3f>(y);
    auto* out = grey.ptr<std::uint16_t>(y);
    for (int x = 0; x < grey.cols; ++x) {
      const double lum = 0.2126 * in[x][0] + 0.7152 * in[x][1] + 0.0722 * in[x][2];
      out[x] = static_cast<std::uint16_t>(std::lround(LinearToSrgb(lum) * 65535.0));
    }
  }
  return grey;
}

// A photometric-stereo set of the central crop: `lights` images under known directions (plain
// Lambertian I = albedo·max(0, n·l)·intensity, no noise, no capture change, chart excluded;
// 16-bit grey PNG),
// lights.json per the shared convention and the true height map (float32 TIFF, mm).
Result<json> RenderPhotometricStereo(const phantom::Scene& scene,
                                     const phantom::VisitFeatures& features,
                                     const std::string& directory, const PhantomFileSink& sink) {
  const PhantomOptions& o = scene.options;
  json lights = json::array();
  json truth_lights = json::array();
  cv::Mat height;
  for (int i = 0; i < o.ps_lights; ++i) {
    const double azimuth = 30.0 + 360.0 * i / o.ps_lights;
    const double elevation = i % 2 == 0 ? 50.0 : 35.0;
    phantom::Lighting lighting;
    lighting.light = phantom::LightDirection(azimuth, elevation);
    lighting.intensity = 1.0;
    lighting.normalise_flat = false;
    lighting.draw_chart = false;
    const phantom::CanonicalRender render =
        phantom::RenderCanonical(scene, features, scene.ps_rect_px, lighting);
    if (height.empty()) height = render.height_mm;
    char name[32];
    std::snprintf(name, sizeof(name), "ps_%02d.png", i);
    SKT_ASSIGN_OR_RETURN(std::string bytes, EncodePng(LinearLuminanceToGrey16(render.rgb_linear)));
    SKT_RETURN_IF_ERROR(sink(PhantomFile{directory + "/" + name, std::move(bytes)}));
    const cv::Vec3d& l = lighting.light;
    lights.push_back({{"image", name},
                      {"direction", {l[0], l[1], l[2]}},
                      {"azimuth_deg", azimuth},
                      {"elevation_deg", elevation},
                      {"intensity", 1.0}});
  }
  SKT_ASSIGN_OR_RETURN(std::string tiff, Encode(".tiff", height, {}));
  SKT_RETURN_IF_ERROR(sink(PhantomFile{directory + "/height_mm.tiff", std::move(tiff)}));
  const cv::Rect& crop = scene.ps_rect_px;
  json lights_doc = {{"schema", "skintrack.lights/1"},
                     {"lights", lights},
                     {"px_per_mm", o.px_per_mm},
                     {"height_map", "height_mm.tiff"},
                     {"encoding",
                      "16-bit grey PNG: Rec. 709 luminance of linear RGB, sRGB transfer; "
                      "linearise before use"}};
  SKT_RETURN_IF_ERROR(sink(PhantomFile{directory + "/lights.json", lights_doc.dump(2) + "\n"}));
  json scars = json::array();
  for (const phantom::Scar& s : features.scars) {
    scars.push_back({{"id", s.id},
                     {"x_px", s.x_mm * o.px_per_mm - crop.x},
                     {"y_px", s.y_mm * o.px_per_mm - crop.y},
                     {"diameter_mm", s.diameter_mm},
                     {"depth_mm", s.depth_mm},
                     {"volume_mm3", phantom::ScarVolumeMm3(s)}});
  }
  return json{{"directory", directory},
              {"lights_json", directory + "/lights.json"},
              {"height_map", directory + "/height_mm.tiff"},
              {"height_map_units", "mm, float32, z toward the camera, 0 = unscarred skin mean"},
              {"crop_in_canonical_px", {crop.x, crop.y, crop.width, crop.height}},
              {"px_per_mm", o.px_per_mm},
              {"lights", lights},
              {"scars_in_crop_px", scars}};
}

}  // namespace

Result<PhantomSeries> RenderSeriesTo(const PhantomOptions& options, const PhantomFileSink& sink) {
  SKT_RETURN_IF_ERROR(options.Check());
  PhantomSeries series;
  std::ostringstream manifest;
  manifest << "subject,session,date,kind,image,region,px_per_mm,lights,arm,device,needle_depth_mm\n";
  json subjects = json::array();
  const std::vector<phantom::Visit> visits = phantom::MakeVisits(options);
  try {
    for (int s = 0; s < static_cast<int>(options.subjects.size()); ++s) {
      const std::string id = SubjectId(s);
      SKT_ASSIGN_OR_RETURN(const phantom::Scene scene, phantom::MakeScene(options, s));
      json subject = {{"id", id}};
      subject.update(phantom::SubjectTruth(scene));
      json treatments = json::array();
      int t_index = 0;
      for (double day : phantom::TreatmentDays(options)) {
        phantom::Visit v;
        v.day = day;
        v.show_time = true;
        treatments.push_back({{"index", ++t_index},
                              {"datetime", phantom::VisitDate(options, v)},
                              {"given", scene.response != PhantomResponse::kControl}});
      }
      subject["treatments"] = treatments;
      json sessions = json::array();
      json ps_sets = json::array();
      for (const phantom::Visit& visit : visits) {
        const SkinState state = phantom::StateAt(options, scene.response, visit);
        const phantom::VisitFeatures features = phantom::ApplyState(scene, state);
        const CaptureParams capture = phantom::CaptureFor(options, s, visit);
        SKT_ASSIGN_OR_RETURN(phantom::CaptureRender render,
                             phantom::RenderCapture(scene, features, capture));
        const std::string image = id + "/" + id + "_" + visit.session + ".jpg";
        SKT_ASSIGN_OR_RETURN(std::string bytes, EncodeJpeg(render.bgr, capture.jpeg_quality));
        SKT_RETURN_IF_ERROR(sink(PhantomFile{image, std::move(bytes)}));
        const std::string date = phantom::VisitDate(options, visit);
        std::string lights;
        const bool ps_here = options.photometric_stereo &&
                             (visit.index == 0 || visit.index == static_cast<int>(visits.size()) - 1);
        if (ps_here) {
          const std::string dir = id + "/ps_" + visit.session;
          SKT_ASSIGN_OR_RETURN(json ps, RenderPhotometricStereo(scene, features, dir, sink));
          ps["session"] = visit.session;
          ps_sets.push_back(ps);
          lights = dir + "/lights.json";
        }
        char ppm[32];
        std::snprintf(ppm, sizeof(ppm), "%.6g", options.px_per_mm * capture.scale);
        // A visit on a treatment day (baseline photo taken just before the first treatment, tx2..)
        // records the treatment, so the claims count it; controls are photographed but not treated.
        const bool control = scene.response == PhantomResponse::kControl;
        bool treated_here = false;
        for (double day : phantom::TreatmentDays(options)) {
          treated_here |= (visit.kind == "baseline" || visit.kind == "treatment") &&
                          std::floor(day) == std::floor(visit.day);
        }
        // The control gets a sham session (device recorded, no needling) on the same days.
        const char* device = !treated_here ? "" : control ? "sham" : "phantom microneedling";
        const char* depth = treated_here && !control ? "1.0" : "";
        manifest << id << "," << visit.session << "," << date << "," << visit.kind << "," << image
                 << ",phantom," << ppm << "," << lights << "," << (control ? "control" : "treated")
                 << "," << device << "," << depth << "\n";
        json entry = {{"session", visit.session},
                      {"kind", visit.kind},
                      {"date", date},
                      {"days_since_baseline", visit.day - phantom::MakeVisits(options)[0].day},
                      {"treatments_before", visit.treatments_before},
                      {"image", image}};
        entry.update(phantom::CaptureTruth(scene, features, capture, render.image_from_canonical));
        sessions.push_back(std::move(entry));
      }
      subject["sessions"] = std::move(sessions);
      subject["photometric_stereo"] = std::move(ps_sets);
      subjects.push_back(std::move(subject));
    }
  } catch (const cv::Exception& e) {
    return InternalError(std::string("phantom: OpenCV failed: ") + e.what());
  }
  series.manifest_csv = manifest.str();
  series.truth = {
      {"schema", phantom::kTruthSchema},
      {"tool", {{"name", kToolName}, {"version", kToolVersion}}},
      {"options", phantom::OptionsToJson(options)},
      {"model",
       {{"colour", "rgb_linear = exp(-(c_m*sigma_m + c_h*sigma_h + s)) * lambert (Tsumura 1999)"},
        {"sigma_melanin_rgb", {0.4143, 0.3570, 0.8372}},
        {"sigma_hemoglobin_rgb", {0.2988, 0.6838, 0.6657}},
        {"lambert",
         "max(0, n.l) / l_z for captures; max(0, n.l) * intensity for photometric stereo"},
        {"units", "lengths mm unless _px; densities dimensionless; texture height um"},
        {"frames",
         "canonical = baseline image pixels at px_per_mm; image = capture pixels; "
         "image_from_canonical_px maps canonical to image (homogeneous)"},
        {"capture",
         "scene sampled at canonical pixel centres; moved captures resampled with Lanczos (8x8); "
         "then lens blur (Gaussian on the pixel grid), exposure and white balance, sensor noise, "
         "8-bit sRGB, JPEG"}}},
      {"subjects", std::move(subjects)},
  };
  return series;
}

Result<PhantomSeries> RenderSeries(const PhantomOptions& options) {
  std::vector<PhantomFile> files;
  SKT_ASSIGN_OR_RETURN(PhantomSeries series,
                       RenderSeriesTo(options, [&files](const PhantomFile& file) -> Status {
                         files.push_back(file);
                         return OkStatus();
                       }));
  series.files = std::move(files);
  return series;
}

Result<PhantomSeries> WriteSeries(const PhantomOptions& options,
                                  const std::filesystem::path& directory) {
  SKT_RETURN_IF_ERROR(options.Check());
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return StorageError("cannot create output directory " + directory.string() + ": " +
                        ec.message());
  }
  SKT_ASSIGN_OR_RETURN(
      PhantomSeries series,
      RenderSeriesTo(options, [&directory](const PhantomFile& file) -> Status {
        const std::filesystem::path path = directory / file.relative_path;
        std::error_code dir_ec;
        std::filesystem::create_directories(path.parent_path(), dir_ec);
        if (dir_ec) {
          return StorageError("cannot create " + path.parent_path().string() + ": " +
                              dir_ec.message());
        }
        return WriteFileAtomic(path, file.bytes);
      }));
  SKT_RETURN_IF_ERROR(WriteFileAtomic(directory / "manifest.csv", series.manifest_csv));
  SKT_RETURN_IF_ERROR(WriteFileAtomic(directory / "truth.json", series.truth.dump() + "\n"));
  return series;
}

}  // namespace skintrack::core
