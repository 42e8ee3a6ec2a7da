// Metrics stage: skin mask and metric groups (core/mask, core/metrics).
#include "core/pipeline/stages.h"

namespace skintrack::core {

Result<nlohmann::json> RunMetricsStage(const LoadedImage& /*image*/,
                                       const CalibratedCapture& /*capture*/,
                                       const ScoreOptions& /*options*/,
                                       std::vector<std::string>& /*warnings*/) {
  return nlohmann::json::object();
}

}  // namespace skintrack::core
