#include "core/base/result.h"

namespace skintrack {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage: return "usage";
    case ErrorCode::kBadInput: return "bad_input";
    case ErrorCode::kAnalysisFailed: return "analysis_failed";
    case ErrorCode::kStorage: return "storage";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace skintrack
