// The viewer's worker pool under load, written to be run under ThreadSanitizer (CI's TSan stage):
// several threads submit while the UI thread drains completions and polls Pending/ActiveLabels;
// work that throws is logged; destroying the pool with queued jobs neither runs nor leaks them.
#include "viewer/worker_pool.h"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace skintrack::viewer {
namespace {

TEST(WorkerPool, ConcurrentSubmitAndDrainRunEveryJobOnce) {
  Log log;
  constexpr int kSubmitters = 4;
  constexpr int kJobsEach = 200;
  std::atomic<int> worked{0};
  int completed = 0;  // touched only by completions, which run on this (the "UI") thread
  {
    WorkerPool pool(3, log);
    std::vector<std::thread> submitters;
    for (int t = 0; t < kSubmitters; ++t) {
      submitters.emplace_back([&, t] {
        for (int j = 0; j < kJobsEach; ++j) {
          pool.Submit("job " + std::to_string(t) + "/" + std::to_string(j), [&]() -> WorkerPool::Completion {
            worked.fetch_add(1, std::memory_order_relaxed);
            return [&completed] { ++completed; };
          });
        }
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (completed < kSubmitters * kJobsEach && std::chrono::steady_clock::now() < deadline) {
      pool.DrainCompletions();
      (void)pool.Pending();
      (void)pool.ActiveLabels();
      std::this_thread::yield();
    }
    for (std::thread& t : submitters) t.join();
    pool.DrainCompletions();
    EXPECT_EQ(pool.Pending(), 0);
  }
  EXPECT_EQ(worked.load(), kSubmitters * kJobsEach);
  EXPECT_EQ(completed, kSubmitters * kJobsEach);
  EXPECT_EQ(log.ErrorCount(), 0u);
}

TEST(WorkerPool, ThrowingWorkIsLoggedAndThePoolKeepsRunning) {
  Log log;
  WorkerPool pool(2, log);
  pool.Submit("bad photo", []() -> WorkerPool::Completion { throw std::runtime_error("boom"); });
  std::atomic<bool> ran{false};
  pool.Submit("good photo", [&]() -> WorkerPool::Completion {
    ran = true;
    return {};
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (pool.Pending() > 0 && std::chrono::steady_clock::now() < deadline) {
    pool.DrainCompletions();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(log.ErrorCount(), 1u);
  EXPECT_NE(log.Entries().back().message.find("bad photo failed unexpectedly: boom"),
            std::string::npos);
}

TEST(WorkerPool, DestroyingWithQueuedJobsDropsThem) {
  Log log;
  std::atomic<int> started{0};
  {
    WorkerPool pool(1, log);
    for (int i = 0; i < 50; ++i) {
      pool.Submit("slow", [&]() -> WorkerPool::Completion {
        started.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return {};
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_GE(started.load(), 0);
  EXPECT_LT(started.load(), 50) << "queued jobs should be dropped, not run, on shutdown";
}

}  // namespace
}  // namespace skintrack::viewer
