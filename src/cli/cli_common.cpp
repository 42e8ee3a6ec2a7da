#include "cli/cli_common.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "core/base/atomic_file.h"
#include "core/base/check.h"
#include "core/base/version.h"

namespace skintrack::cli {

nlohmann::json JsonEnvelope(std::string_view schema) {
  return {{"schema", std::string(schema)},
          {"tool", {{"name", kToolName}, {"version", kToolVersion}, {"commit", kGitCommit}}}};
}

int ReportError(std::string_view command, const Error& error, bool json) {
  std::cerr << "skintrack " << command << ": error: " << error.message << "\n";
  if (json) PrintJsonError(error);
  return ExitCodeFor(error.code);
}

void PrintJsonError(const Error& error) {
  nlohmann::json doc = JsonEnvelope("skintrack.error/1");
  doc["error"] = {{"category", ErrorCodeName(error.code)},
                  {"exit_code", ExitCodeFor(error.code)},
                  {"message", error.message}};
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

int RunReportingInternalErrors(const std::function<int()>& run, bool json) {
  const auto internal_error = [json](const std::string& message) {
    std::cerr << "skintrack: " << message << "\n";
    try {
      if (json) PrintJsonError(InternalError(message));
    } catch (const std::exception&) {
      // Out of memory again while building the document: stderr has said what happened.
    }
    return ExitCodeFor(ErrorCode::kInternal);
  };
  try {
    return run();
  } catch (const CheckFailure& e) {
    return internal_error(std::string("internal error (please report): ") + e.what());
  } catch (const std::bad_alloc&) {
    return internal_error("out of memory; try a smaller image or fewer --jobs");
  } catch (const std::exception& e) {
    return internal_error(std::string("internal error (please report): ") + e.what());
  }
}

void PrintJson(const nlohmann::json& document) {
  std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

namespace {

std::string LowerExtension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool IsJpegExtension(const std::string& ext) { return ext == ".jpg" || ext == ".jpeg"; }

}  // namespace

Status CheckImageOutputPath(const std::filesystem::path& path) {
  const std::string ext = LowerExtension(path);
  if (ext != ".png" && ext != ".tif" && ext != ".tiff" && !IsJpegExtension(ext)) {
    return UsageError("output '" + path.string() +
                      "' must end in .png, .tif/.tiff or .jpg/.jpeg (PNG or TIFF keep 16 bits)");
  }
  return OkStatus();
}

Status WriteOutputImage(const std::filesystem::path& path, const cv::Mat& image) {
  const std::string ext = LowerExtension(path);
  cv::Mat out = image;
  // cv::imwrite would saturate 16-bit values into JPEG's 8 bits, turning the image white.
  if (IsJpegExtension(ext) && image.depth() == CV_16U) image.convertTo(out, CV_8U, 1.0 / 257.0);
  return WriteViaTempFile(path, [&](const std::filesystem::path& temp) -> Status {
    // OpenCV's messages name its own source lines and the temporary file; the user needs the
    // path they gave and the reason.
    bool written = false;
    try {
      written = cv::imwrite(temp.string(), out);
    } catch (const cv::Exception&) {
      written = false;
    }
    if (!written) {
      return StorageError(cv::haveImageWriter(temp.string())
                              ? "cannot write '" + path.string() +
                                    "' (is the folder writable and the disk not full?)"
                              : "cannot write '" + path.string() +
                                    "': no image writer for extension '" + ext +
                                    "'; use .png, .tif or .jpg");
    }
    return OkStatus();
  });
}

Status WriteJsonFile(const std::filesystem::path& path, const nlohmann::json& document) {
  return WriteFileAtomic(path, document.dump(2, ' ', false,
                                             nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace skintrack::cli
