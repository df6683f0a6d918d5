// A fixed pool of worker threads. A parallel_for posts a job of contiguous chunks; the
// caller and the workers claim chunks from one atomic counter, so a worker that the OS
// schedules late (a busy, shared machine) delays nothing: whoever is running takes the
// next chunk. Workers spin briefly before sleeping, so back-to-back kernels (a training
// step) find them awake.
#include "pai/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PAI_CPU_RELAX() _mm_pause()
#else
#define PAI_CPU_RELAX() std::this_thread::yield()
#endif

namespace pai {
namespace {

thread_local bool t_in_pool_task = false;

// About 50-100 us of pause instructions: longer than the gap between the kernels of one
// training step, short enough not to steal a shared core for long.
constexpr int kSpinIterations = 4000;
// More chunks than threads lets the threads that run balance the ones that do not.
constexpr int64_t kChunksPerThread = 4;
// The claim word has 16 bits for the chunk count (the pool has at most 1024 threads).
constexpr int64_t kMaxChunks = 0xFFFF;

using Fn = std::function<void(int64_t, int64_t)>;

class ThreadPool {
 public:
  explicit ThreadPool(int n) { resize(n); }

  int size() const { return size_; }

  void resize(int n) {
    n = std::max(1, std::min(n, 1024));
    std::lock_guard<std::mutex> run_lock(run_mu_);
    stop();
    size_ = n;
    shutdown_.store(false);
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker(); });
  }

  void run(int64_t begin, int64_t end, int64_t grain, const Fn& fn) {
    const int64_t total = end - begin;
    if (total <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    const int64_t chunks = std::min<int64_t>(
        {static_cast<int64_t>(size_) * kChunksPerThread, (total + grain - 1) / grain, kMaxChunks});
    if (chunks <= 1 || size_ == 1 || t_in_pool_task) {
      fn(begin, end);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mu_);  // one job at a time
    // Publish the job's fields, then its id with the chunk counter at 0 (release): a
    // worker that reads this id (acquire) sees the fields of this job.
    fn_.store(&fn, std::memory_order_relaxed);
    begin_.store(begin, std::memory_order_relaxed);
    end_.store(end, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    const uint64_t job = (claim_.load(std::memory_order_relaxed) >> 32) + 1;
    // Sequentially consistent, like sleeping_'s updates: either this caller sees a worker
    // going to sleep and wakes it, or that worker sees the new job before it sleeps.
    claim_.store(job << 32 | static_cast<uint64_t>(chunks) << 16, std::memory_order_seq_cst);
    if (sleeping_.load() > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      wake_cv_.notify_all();
    }
    t_in_pool_task = true;
    work(job);
    t_in_pool_task = false;
    wait_done(chunks);
    if (error_) std::rethrow_exception(error_);  // e.g. bad_alloc in a chunk
  }

 private:
  // Claims and runs chunks of `job` until none is left. The claim word holds the job, its
  // chunk count and the next chunk, and a claim is a CAS on all three: it succeeds only for
  // an unclaimed chunk of the current job, so a late worker never runs a chunk twice or a
  // chunk of a job it did not see (the count must not come from a separate field, which
  // the next job may already have overwritten while this word still names the old one).
  void work(uint64_t job) {
    for (;;) {
      uint64_t v = claim_.load(std::memory_order_acquire);
      if ((v >> 32) != job) return;
      const int64_t chunks = static_cast<int64_t>((v >> 16) & 0xFFFF), c = static_cast<int64_t>(v & 0xFFFF);
      if (c >= chunks) return;
      const Fn* fn = fn_.load(std::memory_order_relaxed);
      const int64_t b = begin_.load(std::memory_order_relaxed), e = end_.load(std::memory_order_relaxed);
      if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) continue;
      // Chunk c of this job was unclaimed, so the job cannot have finished and its fields,
      // read above, cannot yet have been replaced by the next job's.
      const int64_t lo = b + (e - b) * c / chunks, hi = b + (e - b) * (c + 1) / chunks;
      try {
        if (lo < hi) (*fn)(lo, hi);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_all();
      }
    }
  }

  void wait_done(int64_t chunks) {
    for (int i = 0; i < kSpinIterations; ++i) {
      if (done_.load(std::memory_order_acquire) == chunks) return;
      PAI_CPU_RELAX();
    }
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return done_.load(std::memory_order_acquire) == chunks; });
  }

  void worker() {
    t_in_pool_task = true;
    uint64_t seen = claim_.load(std::memory_order_acquire) >> 32;
    for (;;) {
      uint64_t job = seen;
      for (int i = 0; i < kSpinIterations && job == seen && !shutdown_.load(std::memory_order_relaxed); ++i) {
        PAI_CPU_RELAX();
        job = claim_.load(std::memory_order_acquire) >> 32;
      }
      if (job == seen) {
        std::unique_lock<std::mutex> lk(mu_);
        sleeping_.fetch_add(1);
        // seq_cst, pairing with the caller's store and its read of sleeping_ (see run()).
        wake_cv_.wait(lk, [&] { return shutdown_.load() || (claim_.load() >> 32) != seen; });
        sleeping_.fetch_sub(1);
        job = claim_.load(std::memory_order_acquire) >> 32;
      }
      if (shutdown_.load()) return;
      seen = job;
      work(job);
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      shutdown_.store(true);
    }
    wake_cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mu_, mu_;
  std::condition_variable wake_cv_, done_cv_;
  // (job id << 32) | (chunk count << 16) | next chunk to claim.
  std::atomic<uint64_t> claim_{0};
  std::atomic<const Fn*> fn_{nullptr};
  std::atomic<int64_t> begin_{0}, end_{0}, done_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> shutdown_{false};
  std::exception_ptr error_;  // first exception of the current job, under mu_
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
