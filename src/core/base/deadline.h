#pragma once
// A time budget for one unit of work on the current thread (batch: one image, issue 12 item 3).
//
// The batch worker opens a ScopedDeadline around each image; the pipeline calls CheckDeadline()
// between its stages (after decoding, calibration, alignment, each metric group). Once the budget
// is spent the next check returns kAnalysisFailed with a message naming the stage reached and the
// budget, the image is listed in errors.csv, and the worker moves on. The checks are cooperative: a
// single stage is never interrupted (threads cannot be stopped safely mid-computation), so an image
// can overrun the budget by at most the one stage that was running when it ran out.
//
// With no ScopedDeadline open (score, compare, the viewer) CheckDeadline() always succeeds.
//
// The same checks mark where each stage ends, so a ScopedStageTimes open on the thread records how
// long each stage took (bench/pipeline_bench.cpp reports `score`'s split from it).
// Thread-safety: the deadline and the stage recorder are thread-local; each worker has its own.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"

namespace skintrack {

class ScopedDeadline {
 public:
  // `seconds` <= 0 sets no budget. `what` names the work in the error ("photo.jpg").
  ScopedDeadline(double seconds, std::string what);
  ~ScopedDeadline();
  ScopedDeadline(const ScopedDeadline&) = delete;
  ScopedDeadline& operator=(const ScopedDeadline&) = delete;

 private:
  friend  // Ends `stage` as MarkStageEnd does.
      Status
      CheckDeadline(std::string_view stage);
  std::chrono::steady_clock::time_point until_;
  double seconds_ = 0;
  std::string what_;
  const ScopedDeadline* previous_;  // the enclosing deadline on this thread, if any
};

// Records, while open, the time from its opening or the previous stage's end on this thread to
// each CheckDeadline(stage) or MarkStageEnd(stage), under that stage's name, in order. Recorders
// nest: only the innermost records.
class ScopedStageTimes {
 public:
  ScopedStageTimes();
  ~ScopedStageTimes();
  ScopedStageTimes(const ScopedStageTimes&) = delete;
  ScopedStageTimes& operator=(const ScopedStageTimes&) = delete;

  // (stage, seconds) pairs, one per check made while open.
  const std::vector<std::pair<std::string, double>>& stages() const { return stages_; }

 private:
  friend void MarkStageEnd(std::string_view stage);
  std::chrono::steady_clock::time_point last_;
  std::vector<std::pair<std::string, double>> stages_;
  ScopedStageTimes* previous_;
};

// Ends `stage` for the ScopedStageTimes open on this thread, if any; no deadline is checked (the
// last stage of a unit of work, after which nothing is left to give up).
void MarkStageEnd(std::string_view stage);

// OkStatus while the current thread's budget lasts (or when it has none); otherwise
// kAnalysisFailed: "<what>: timed out after <stage>: the time budget of N s per image is spent".
// Ends `stage` as MarkStageEnd does.
Status CheckDeadline(std::string_view stage);

}  // namespace skintrack
