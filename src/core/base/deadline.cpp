#include "core/base/deadline.h"

#include <cstdio>

namespace skintrack {
namespace {
// The innermost ScopedDeadline with a budget that is open on this thread (nullptr: none).
thread_local const ScopedDeadline* current = nullptr;
// The innermost ScopedStageTimes open on this thread (nullptr: none).
thread_local ScopedStageTimes* recorder = nullptr;
}  // namespace

ScopedDeadline::ScopedDeadline(double seconds, std::string what)
    : seconds_(seconds), what_(std::move(what)), previous_(current) {
  if (seconds_ <= 0) return;  // no budget: the enclosing one, if any, still applies
  until_ = std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(seconds_));
  current = this;
}

ScopedDeadline::~ScopedDeadline() { current = previous_; }

ScopedStageTimes::ScopedStageTimes()
    : last_(std::chrono::steady_clock::now()), previous_(recorder) {
  recorder = this;
}

ScopedStageTimes::~ScopedStageTimes() { recorder = previous_; }

void MarkStageEnd(std::string_view stage) {
  if (recorder == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  recorder->stages_.emplace_back(std::string(stage),
                                 std::chrono::duration<double>(now - recorder->last_).count());
  recorder->last_ = now;
}

Status CheckDeadline(std::string_view stage) {
  MarkStageEnd(stage);
  const ScopedDeadline* deadline = current;
  if (deadline == nullptr || std::chrono::steady_clock::now() < deadline->until_) {
    return OkStatus();
  }
  char budget[32];
  std::snprintf(budget, sizeof(budget), "%g", deadline->seconds_);
  return AnalysisError(deadline->what_ + ": timed out after " + std::string(stage) +
                       ": the time budget of " + budget +
                       " s per image is spent (batch --image-timeout; 0 = no limit)");
}

}  // namespace skintrack
