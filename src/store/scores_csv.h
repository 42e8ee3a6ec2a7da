#pragma once
// Reader for the long-form `scores.csv` written by `skintrack batch` (one row per capture and metric):
//   subject,session,date,kind,region,metric,value,unit,image_sha256   (+ optional arm)
// Used by `skintrack study DIR`. Errors: kBadInput "<file>:<line>: column '<name>': <problem>"
// (missing column, malformed date, unknown kind, non-numeric value). Rows with an empty value
// (a metric that could not be computed) are skipped. Pure parsing; the caller reads the file.

#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace skintrack::store {

struct LongScore {
  int line = 0;
  std::string subject;
  std::string session;
  std::string date;  // normalised "YYYY-MM-DDTHH:MM:SS"
  std::string kind;  // normalised session kind
  std::string region;
  std::string metric;
  double value = 0;
  std::string unit;
  std::string image_sha256;
  std::string arm;
};

Result<std::vector<LongScore>> ParseScoresCsv(std::string_view text, std::string_view source_name);

}  // namespace skintrack::store
