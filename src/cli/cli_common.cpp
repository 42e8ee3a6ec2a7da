#include "cli/cli_common.h"

#include <iostream>

#include "core/base/atomic_file.h"
#include "core/base/version.h"

namespace skintrack::cli {

nlohmann::json JsonEnvelope(std::string_view schema) {
  return {{"schema", std::string(schema)},
          {"tool", {{"name", kToolName}, {"version", kToolVersion}, {"commit", kGitCommit}}}};
}

int ReportError(std::string_view command, const Error& error, bool json) {
  std::cerr << "skintrack " << command << ": error: " << error.message << "\n";
  if (json) {
    nlohmann::json doc = JsonEnvelope("skintrack.error/1");
    doc["error"] = {{"category", ErrorCodeName(error.code)},
                    {"exit_code", ExitCodeFor(error.code)},
                    {"message", error.message}};
    std::cout << doc.dump(2) << std::endl;
  }
  return ExitCodeFor(error.code);
}

void PrintJson(const nlohmann::json& document) {
  std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

Status WriteJsonFile(const std::filesystem::path& path, const nlohmann::json& document) {
  return WriteFileAtomic(path, document.dump(2, ' ', false,
                                             nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace skintrack::cli
