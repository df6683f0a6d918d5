// A fixed pool of worker threads, woken per parallel_for. The caller runs chunk 0
// itself, so one thread means no synchronization at all.
#include "pai/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace pai {
namespace {

thread_local bool t_in_pool_task = false;

class ThreadPool {
 public:
  explicit ThreadPool(int n) { resize(n); }
  ~ThreadPool() { stop(); }

  int size() const { return size_; }

  void resize(int n) {
    n = std::max(1, std::min(n, 1024));
    std::lock_guard<std::mutex> run_lock(run_mu_);
    stop();
    size_ = n;
    shutdown_ = false;
    // New workers start from the current generation: the last region's chunks are done.
    const uint64_t now = generation_;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, now] { worker(i, now); });
  }

  void run(int64_t begin, int64_t end, int64_t grain,
           const std::function<void(int64_t, int64_t)>& fn) {
    const int64_t total = end - begin;
    if (total <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    int64_t chunks = std::min<int64_t>(size_, (total + grain - 1) / grain);
    if (chunks <= 1 || t_in_pool_task) { fn(begin, end); return; }
    std::lock_guard<std::mutex> run_lock(run_mu_);  // one parallel region at a time
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn; begin_ = begin; end_ = end; chunks_ = chunks;
      pending_.store(static_cast<int>(chunks - 1));
      ++generation_;
    }
    cv_.notify_all();
    t_in_pool_task = true;
    run_chunk(0);
    t_in_pool_task = false;
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [this] { return pending_.load() == 0; });
    fn_ = nullptr;
  }

 private:
  void run_chunk(int64_t c) {
    const int64_t total = end_ - begin_;
    const int64_t lo = begin_ + total * c / chunks_, hi = begin_ + total * (c + 1) / chunks_;
    if (lo < hi) (*fn_)(lo, hi);
  }

  void worker(int index, uint64_t seen) {
    t_in_pool_task = true;
    for (;;) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return shutdown_ || generation_ != seen; });
      if (shutdown_) return;
      seen = generation_;
      const bool mine = index < chunks_;
      lk.unlock();
      if (!mine) continue;
      run_chunk(index);
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> g(mu_);
        done_cv_.notify_all();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mu_, mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t begin_ = 0, end_ = 0, chunks_ = 0;
  uint64_t generation_ = 0;
  std::atomic<int> pending_{0};
  bool shutdown_ = false;
};

int initial_threads() {
  if (const char* env = std::getenv("PAI_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
#if defined(__linux__)
  // The CPUs this process may run on (taskset, container cpusets), not all online CPUs.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool(initial_threads());  // leaked: no join at exit
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  pool().run(begin, end, grain, fn);
}

}  // namespace pai
