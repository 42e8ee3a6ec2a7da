#include "core/base/deadline.h"

#include <cstdio>

namespace skintrack {
namespace {
// The innermost ScopedDeadline with a budget that is open on this thread (nullptr: none).
thread_local const ScopedDeadline* current = nullptr;
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

Status CheckDeadline(std::string_view stage) {
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
