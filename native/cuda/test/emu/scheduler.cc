// The emulator's fiber scheduler: every CUDA thread of a block is a ucontext fiber; blocks
// run one after another (see cuda_emu.h).
#include "cuda_emu.h"

#include <ucontext.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define PAI_EMU_ASAN 1
#endif

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

namespace {

constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kDefaultSmemLimit = 48 * 1024;

struct Copy {
  void* dst;
  const void* src;
  size_t bytes, zfill;
};

struct Fiber {
  enum State { Ready, WaitBlock, WaitWarp, Done };
  ucontext_t ctx;
  char* stack = nullptr;
  uint3 tid{};
  int warp = 0, lane = 0;
  State state = Ready;
  std::vector<Copy> open;
  std::deque<std::vector<Copy>> committed;
};

struct Block {
  std::vector<Fiber> fibers;
  ucontext_t sched;
  const std::function<void()>* body = nullptr;
  int live = 0;
  int arrived = 0;
  int pred_sum = 0, pred_result = 0;
  std::vector<int> warp_live, warp_arrived;
  std::vector<std::array<uint64_t, 32>> slot;
  Fiber* cur = nullptr;
#ifdef PAI_EMU_ASAN
  const void* sched_stack = nullptr;
  size_t sched_stack_size = 0;
#endif
};

thread_local Block* g_block = nullptr;
thread_local std::vector<unsigned char> g_dynamic_smem;

std::mutex g_mu;
std::map<const void*, int> g_func_smem;  // max dynamic smem opted in per kernel

void switch_to_fiber(Block& b, Fiber& f) {
  b.cur = &f;
  threadIdx = f.tid;
#ifdef PAI_EMU_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, f.stack, kStackBytes);
  swapcontext(&b.sched, &f.ctx);
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
  swapcontext(&b.sched, &f.ctx);
#endif
}

void yield_to_scheduler() {
  Block& b = *g_block;
  Fiber& f = *b.cur;
#ifdef PAI_EMU_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, b.sched_stack, b.sched_stack_size);
  swapcontext(&f.ctx, &b.sched);
  __sanitizer_finish_switch_fiber(fake, &b.sched_stack, &b.sched_stack_size);
#else
  swapcontext(&f.ctx, &b.sched);
#endif
}

void release_block(Block& b) {
  for (auto& f : b.fibers)
    if (f.state == Fiber::WaitBlock) f.state = Fiber::Ready;
  b.arrived = 0;
  b.pred_result = b.pred_sum;
  b.pred_sum = 0;
}

void release_warp(Block& b, int w) {
  for (auto& f : b.fibers)
    if (f.warp == w && f.state == Fiber::WaitWarp) f.state = Fiber::Ready;
  b.warp_arrived[w] = 0;
}

void run_pipeline_group(std::vector<Copy>& g) {
  for (auto& c : g) {
    std::memcpy(c.dst, c.src, c.bytes - c.zfill);
    std::memset(static_cast<char*>(c.dst) + (c.bytes - c.zfill), 0, c.zfill);
  }
  g.clear();
}

void fiber_entry() {
#ifdef PAI_EMU_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &g_block->sched_stack, &g_block->sched_stack_size);
#endif
  Block& b = *g_block;
  (*b.body)();
  Fiber& f = *b.cur;
  for (auto& g : f.committed) run_pipeline_group(g);
  f.committed.clear();
  f.state = Fiber::Done;
  --b.live;
  --b.warp_live[f.warp];
  if (b.live > 0 && b.arrived == b.live) release_block(b);
  if (b.warp_live[f.warp] > 0 && b.warp_arrived[f.warp] == b.warp_live[f.warp]) release_warp(b, f.warp);
#ifdef PAI_EMU_ASAN
  __sanitizer_start_switch_fiber(nullptr, b.sched_stack, b.sched_stack_size);
#endif
  // uc_link returns to the scheduler.
}

void run_block(Block& b) {
  const int n = static_cast<int>(b.fibers.size());
  b.live = n;
  b.arrived = 0;
  const int warps = (n + 31) / 32;
  b.warp_live.assign(warps, 0);
  b.warp_arrived.assign(warps, 0);
  b.slot.assign(warps, {});
  for (int i = 0; i < n; ++i) {
    Fiber& f = b.fibers[i];
    f.state = Fiber::Ready;
    f.warp = i / 32;
    f.lane = i % 32;
    f.tid = uint3{static_cast<unsigned>(i % blockDim.x),
                  static_cast<unsigned>((i / blockDim.x) % blockDim.y),
                  static_cast<unsigned>(i / (blockDim.x * blockDim.y))};
    ++b.warp_live[f.warp];
    f.open.clear();
    f.committed.clear();
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = kStackBytes;
    f.ctx.uc_link = &b.sched;
    makecontext(&f.ctx, fiber_entry, 0);
  }
  if (!g_dynamic_smem.empty()) std::memset(g_dynamic_smem.data(), 0xff, g_dynamic_smem.size());
  while (b.live > 0) {
    bool ran = false;
    for (auto& f : b.fibers) {
      if (f.state != Fiber::Ready) continue;
      ran = true;
      switch_to_fiber(b, f);
    }
    if (!ran && b.live > 0) {
      int at_block = 0, at_warp = 0, done = 0;
      for (auto& f : b.fibers) {
        at_block += f.state == Fiber::WaitBlock;
        at_warp += f.state == Fiber::WaitWarp;
        done += f.state == Fiber::Done;
      }
      char msg[256];
      std::snprintf(msg, sizeof msg,
                    "barrier divergence in block (%u,%u,%u): %d threads wait at __syncthreads, "
                    "%d at a warp barrier, %d exited",
                    blockIdx.x, blockIdx.y, blockIdx.z, at_block, at_warp, done);
      emu::fail(msg);
    }
  }
}

}  // namespace

namespace emu {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "cuda-emu: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

bool launch(const void* fn, dim3 grid, dim3 block, size_t smem, const std::function<void()>& body) {
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  size_t smem_limit = kDefaultSmemLimit;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_func_smem.find(fn);
    if (it != g_func_smem.end()) smem_limit = static_cast<size_t>(it->second);
  }
  if (threads == 0 || threads > 1024 || block.z > 64 || grid.x == 0 || grid.y == 0 || grid.z == 0 ||
      grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535) {
    set_last_error(cudaErrorInvalidConfiguration);
    return false;
  }
  if (smem > smem_limit) {
    set_last_error(cudaErrorInvalidValue);
    return false;
  }
  if (g_block) fail("kernel launched from inside a kernel");
  Block b;
  b.body = &body;
  b.fibers.resize(threads);
  for (auto& f : b.fibers) f.stack = static_cast<char*>(std::malloc(kStackBytes));
  g_dynamic_smem.assign(smem, 0);
  blockDim = block;
  gridDim = grid;
  g_block = &b;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx = uint3{x, y, z};
        run_block(b);
      }
  g_block = nullptr;
  for (auto& f : b.fibers) std::free(f.stack);
  return true;
}

void* dynamic_smem() { return g_dynamic_smem.data(); }

void sync_block() {
  if (!g_block) fail("__syncthreads outside a kernel");
  Block& b = *g_block;
  b.cur->state = Fiber::WaitBlock;
  if (++b.arrived == b.live) release_block(b);
  yield_to_scheduler();
}

int sync_block_count(int pred) {
  if (!g_block) fail("__syncthreads_count outside a kernel");
  g_block->pred_sum += pred != 0;
  sync_block();
  return g_block->pred_result;
}

void sync_warp() {
  if (!g_block) fail("__syncwarp outside a kernel");
  Block& b = *g_block;
  Fiber& f = *b.cur;
  f.state = Fiber::WaitWarp;
  if (++b.warp_arrived[f.warp] == b.warp_live[f.warp]) release_warp(b, f.warp);
  yield_to_scheduler();
}

int lane_id() {
  if (!g_block) fail("warp intrinsic outside a kernel");
  return g_block->cur->lane;
}

uint64_t warp_exchange(uint64_t mine, int src_lane) {
  Block& b = *g_block;
  const int w = b.cur->warp;
  b.slot[w][b.cur->lane] = mine;
  sync_warp();
  uint64_t r = mine;
  const int idx = w * 32 + src_lane;
  if (src_lane >= 0 && src_lane < 32 && idx < static_cast<int>(b.fibers.size()) &&
      b.fibers[idx].state != Fiber::Done)
    r = b.slot[w][src_lane];
  sync_warp();
  return r;
}

unsigned warp_ballot(int pred) {
  Block& b = *g_block;
  const int w = b.cur->warp;
  b.slot[w][b.cur->lane] = pred != 0;
  sync_warp();
  unsigned r = 0;
  for (int l = 0; l < 32; ++l) {
    const int idx = w * 32 + l;
    if (idx < static_cast<int>(b.fibers.size()) && b.fibers[idx].state != Fiber::Done && b.slot[w][l])
      r |= 1u << l;
  }
  sync_warp();
  return r;
}

void pipeline_copy(void* dst, const void* src, size_t bytes, size_t zfill) {
  if (!g_block) fail("__pipeline_memcpy_async outside a kernel");
  if (zfill > bytes || (bytes != 4 && bytes != 8 && bytes != 16)) fail("__pipeline_memcpy_async: bad size");
  if (reinterpret_cast<uintptr_t>(dst) % bytes || (bytes > zfill && reinterpret_cast<uintptr_t>(src) % bytes))
    fail("__pipeline_memcpy_async: misaligned address");
  g_block->cur->open.push_back({dst, src, bytes, zfill});
}

void pipeline_commit() {
  Fiber& f = *g_block->cur;
  f.committed.push_back(std::move(f.open));
  f.open.clear();
}

void pipeline_wait_prior(int n) {
  Fiber& f = *g_block->cur;
  while (static_cast<int>(f.committed.size()) > n) {
    run_pipeline_group(f.committed.front());
    f.committed.pop_front();
  }
}

cudaError_t func_set_attribute(const void* fn, cudaFuncAttribute attr, int value) {
  if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize || value < 0 ||
      static_cast<size_t>(value) > kOptinSmemBytes)
    return set_last_error(cudaErrorInvalidValue);
  std::lock_guard<std::mutex> lock(g_mu);
  g_func_smem[fn] = value;
  return cudaSuccess;
}

}  // namespace emu

