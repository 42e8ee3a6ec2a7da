#pragma once
// Worker threads for everything slow (decoding, quality, alignment, scoring): the UI thread never
// waits on them. A job runs `work` on a worker; `work` returns a completion that the UI thread runs
// in DrainCompletions(), where it may touch UI state and GL objects.
//
// Failure: an exception escaping `work` is caught and logged as an error; the pool keeps running.
// Thread-safety: Submit/Pending/RunningLabels from any thread; DrainCompletions on the UI thread.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "viewer/log_panel.h"

namespace skintrack::viewer {

class WorkerPool {
 public:
  using Completion = std::function<void()>;
  using Work = std::function<Completion()>;

  // Starts `thread_count` (>= 1) workers.
  WorkerPool(int thread_count, Log& log);
  ~WorkerPool();  // finishes running jobs, drops queued ones, joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::string label, Work work);
  // Runs the completions of finished jobs (UI thread). Returns how many ran.
  int DrainCompletions();
  // Jobs queued, running, or finished but not yet drained.
  int Pending() const;
  // Labels of the jobs queued or running, for the progress display.
  std::vector<std::string> ActiveLabels() const;

 private:
  struct Job {
    std::string label;
    Work work;
  };
  void WorkerLoop();

  Log& log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::vector<std::string> running_;
  std::vector<Completion> completions_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace skintrack::viewer
