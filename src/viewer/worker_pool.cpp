// Worker pool: a plain queue guarded by one mutex; jobs are few and long (tens of ms to seconds).
#include "viewer/worker_pool.h"

#include <algorithm>
#include <exception>

namespace skintrack::viewer {

WorkerPool::WorkerPool(int thread_count, Log& log) : log_(log) {
  const int count = std::max(1, thread_count);
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::Submit(std::string label, Work work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back({std::move(label), std::move(work)});
  }
  wake_.notify_one();
}

int WorkerPool::DrainCompletions() {
  std::vector<Completion> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ready.swap(completions_);
  }
  for (Completion& completion : ready) {
    if (completion) completion();
  }
  return static_cast<int>(ready.size());
}

int WorkerPool::Pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size() + running_.size() + completions_.size());
}

std::vector<std::string> WorkerPool::ActiveLabels() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> labels = running_;
  for (const Job& job : queue_) labels.push_back(job.label);
  return labels;
}

void WorkerPool::WorkerLoop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      running_.push_back(job.label);
    }
    Completion completion;
    try {
      completion = job.work();
    } catch (const std::exception& e) {
      log_.Error(job.label + " failed unexpectedly: " + e.what());
    } catch (...) {
      log_.Error(job.label + " failed unexpectedly (unknown exception)");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find(running_.begin(), running_.end(), job.label);
    if (it != running_.end()) running_.erase(it);
    completions_.push_back(std::move(completion));
  }
}

}  // namespace skintrack::viewer
