// Batch norm: per-channel sums over (n, hw) by blocks of (part, channel) in float64,
// combined per channel in a fixed order, then one elementwise pass. Forward sums are taken
// around the channel's first element, so the variance does not cancel catastrophically
// when the mean is large against the spread.
#include <cmath>

#include "cuda/batchnorm.h"
#include "cuda/block_reduce.cuh"

namespace pai::cuda {
namespace {

constexpr int kThreads = 256;

struct Channels {
  int64_t n, c, hw, m;  // m = n hw elements per channel
  int64_t parts, chunk;
  FastDiv hw_div;
};

Channels channels_of(int64_t n, int64_t c, int64_t hw) {
  Channels ch;
  ch.n = n, ch.c = c, ch.hw = hw, ch.m = n * hw;
  const int64_t want = 4LL * multiprocessors();
  int64_t parts = c >= want ? 1 : ceil_div(want, c);
  const int64_t max_parts = ceil_div(ch.m, 4096);
  if (parts > max_parts) parts = max_parts;
  if (parts < 1) parts = 1;
  ch.chunk = ceil_div(ch.m, parts);
  ch.parts = ceil_div(ch.m, ch.chunk);
  ch.hw_div = FastDiv(static_cast<uint32_t>(hw));
  return ch;
}

__device__ __forceinline__ int64_t channel_offset(const Channels& d, int64_t ch, int64_t j) {
  uint32_t b, i;
  d.hw_div.divmod(static_cast<uint32_t>(j), b, i);
  return (static_cast<int64_t>(b) * d.c + ch) * d.hw + i;
}

// Block (part, channel): sums of (x - shift) and (x - shift)^2 (forward, gy null) or of gy and
// gy (x - mean) (backward), into partial[(channel parts + part) 2 + {0, 1}].
__global__ void channel_sums_kernel(Channels d, const float* x, const float* gy, const float* mean, double* partial) {
  __shared__ double scratch[32];
  const int64_t ch = blockIdx.y, part = blockIdx.x;
  const int64_t j0 = part * d.chunk, j1 = j0 + d.chunk < d.m ? j0 + d.chunk : d.m;
  const float center = gy ? mean[ch] : x[ch * d.hw];
  double s1 = 0.0, s2 = 0.0;
  for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) {
    const int64_t off = channel_offset(d, ch, j);
    const double dx = static_cast<double>(x[off]) - center;
    if (gy) {
      const double g = gy[off];
      s1 += g;
      s2 += g * dx;
    } else {
      s1 += dx;
      s2 += dx * dx;
    }
  }
  s1 = block_sum(s1, scratch);
  s2 = block_sum(s2, scratch);
  if (threadIdx.x == 0) {
    partial[(ch * d.parts + part) * 2] = s1;
    partial[(ch * d.parts + part) * 2 + 1] = s2;
  }
}

// Per channel: mean, invstd and the coefficients of out = (x - mean) scale + beta (centering
// first keeps the result accurate when invstd is large).
__global__ void forward_stats_kernel(Channels d, const float* x, const double* partial, const float* gamma,
                                     const float* beta, float eps, float* mean, float* invstd, float* coef) {
  for (int64_t ch = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; ch < d.c;
       ch += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double s1 = 0.0, s2 = 0.0;
    for (int64_t p = 0; p < d.parts; ++p) {
      s1 += partial[(ch * d.parts + p) * 2];
      s2 += partial[(ch * d.parts + p) * 2 + 1];
    }
    const double md = s1 / d.m;
    double var = s2 / d.m - md * md;
    if (var < 0) var = 0;
    const double mu = static_cast<double>(x[ch * d.hw]) + md;
    const double is = 1.0 / sqrt(var + static_cast<double>(eps));
    mean[ch] = static_cast<float>(mu);
    invstd[ch] = static_cast<float>(is);
    coef[3 * ch] = static_cast<float>((gamma ? gamma[ch] : 1.0) * is);
    coef[3 * ch + 1] = static_cast<float>(mu);
    coef[3 * ch + 2] = beta ? beta[ch] : 0.f;
  }
}

// Per channel: ggamma, gbeta and the coefficients of gx = k (gy - mg) - k' (x - mean).
__global__ void backward_stats_kernel(Channels d, const double* partial, const float* invstd, const float* gamma,
                                      float* ggamma, float* gbeta, float* coef) {
  for (int64_t ch = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; ch < d.c;
       ch += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double sg = 0.0, sgd = 0.0;
    for (int64_t p = 0; p < d.parts; ++p) {
      sg += partial[(ch * d.parts + p) * 2];
      sgd += partial[(ch * d.parts + p) * 2 + 1];
    }
    const double is = invstd[ch];
    const double sgx = sgd * is;  // sum gy xhat
    if (ggamma) ggamma[ch] = static_cast<float>(sgx);
    if (gbeta) gbeta[ch] = static_cast<float>(sg);
    const double k = (gamma ? gamma[ch] : 1.0) * is;
    coef[3 * ch] = static_cast<float>(k);
    coef[3 * ch + 1] = static_cast<float>(sg / d.m);
    coef[3 * ch + 2] = static_cast<float>(k * is * sgx / d.m);
  }
}

__global__ void affine_kernel(Channels d, const float* x, const float* coef, float* out) {
  const int64_t total = d.m * d.c, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t ch = (t / d.hw) % d.c;
    out[t] = (x[t] - coef[3 * ch + 1]) * coef[3 * ch] + coef[3 * ch + 2];
  }
}

__global__ void backward_apply_kernel(Channels d, const float* gy, const float* x, const float* mean, const float* coef,
                                      float* gx) {
  const int64_t total = d.m * d.c, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t ch = (t / d.hw) % d.c;
    gx[t] = coef[3 * ch] * (gy[t] - coef[3 * ch + 1]) - coef[3 * ch + 2] * (x[t] - mean[ch]);
  }
}

__global__ void eval_kernel(Channels d, const float* x, const float* rm, const float* rv, const float* gamma,
                            const float* beta, float eps, float* out) {
  const int64_t total = d.m * d.c, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t ch = (t / d.hw) % d.c;
    const float scale = (gamma ? gamma[ch] : 1.f) / sqrtf(rv[ch] + eps);
    out[t] = x[t] * scale + ((beta ? beta[ch] : 0.f) - rm[ch] * scale);
  }
}

__global__ void update_running_kernel(float* rm, float* rv, const float* mean, const float* invstd, int64_t c,
                                      double momentum, double eps, double unbias) {
  for (int64_t ch = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; ch < c;
       ch += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double is = invstd[ch];
    const double biased = 1.0 / (is * is) - eps;
    rm[ch] = static_cast<float>((1.0 - momentum) * rm[ch] + momentum * mean[ch]);
    rv[ch] = static_cast<float>((1.0 - momentum) * rv[ch] + momentum * biased * unbias);
  }
}

void check_sizes(int64_t n, int64_t c, int64_t hw, const char* name) {
  if (n * hw >= (int64_t{1} << 31) || c > 65535)
    throw Error(std::string("pai_cuda: ") + name + ": at most 65535 channels and 2^31 - 1 elements per channel");
}

}  // namespace

void batch_norm_train_forward(const float* x, int64_t n, int64_t c, int64_t hw, const float* gamma, const float* beta,
                              float eps, float* out, float* mean, float* invstd) {
  if (n * c * hw <= 0) return;
  check_sizes(n, c, hw, "batchNormTrainForward");
  const Channels d = channels_of(n, c, hw);
  Workspace partial(static_cast<size_t>(c * d.parts) * 2 * sizeof(double));
  Workspace coef(static_cast<size_t>(c) * 3 * sizeof(float));
  PAI_LAUNCH(dim3(static_cast<unsigned>(d.parts), static_cast<unsigned>(c)), kThreads, 0, channel_sums_kernel)(
      d, x, nullptr, nullptr, partial.as<double>());
  check_launch("batchNormTrainForward");
  PAI_LAUNCH(grid_for(c, kThreads), kThreads, 0, forward_stats_kernel)(d, x, partial.as<double>(), gamma, beta, eps,
                                                                        mean, invstd, coef.as<float>());
  check_launch("batchNormTrainForward");
  PAI_LAUNCH(grid_for(n * c * hw, kThreads), kThreads, 0, affine_kernel)(d, x, coef.as<float>(), out);
  check_launch("batchNormTrainForward");
}

void batch_norm_eval_forward(const float* x, int64_t n, int64_t c, int64_t hw, const float* run_mean,
                             const float* run_var, const float* gamma, const float* beta, float eps, float* out) {
  if (n * c * hw <= 0) return;
  check_sizes(n, c, hw, "batchNormEvalForward");
  const Channels d = channels_of(n, c, hw);
  PAI_LAUNCH(grid_for(n * c * hw, kThreads), kThreads, 0, eval_kernel)(d, x, run_mean, run_var, gamma, beta, eps, out);
  check_launch("batchNormEvalForward");
}

void batch_norm_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw, const float* mean,
                         const float* invstd, const float* gamma, float* gx, float* ggamma, float* gbeta) {
  if (n * c * hw <= 0) return;
  check_sizes(n, c, hw, "batchNormBackward");
  const Channels d = channels_of(n, c, hw);
  Workspace partial(static_cast<size_t>(c * d.parts) * 2 * sizeof(double));
  Workspace coef(static_cast<size_t>(c) * 3 * sizeof(float));
  PAI_LAUNCH(dim3(static_cast<unsigned>(d.parts), static_cast<unsigned>(c)), kThreads, 0, channel_sums_kernel)(
      d, x, gy, mean, partial.as<double>());
  check_launch("batchNormBackward");
  PAI_LAUNCH(grid_for(c, kThreads), kThreads, 0, backward_stats_kernel)(d, partial.as<double>(), invstd, gamma, ggamma,
                                                                         gbeta, coef.as<float>());
  check_launch("batchNormBackward");
  PAI_LAUNCH(grid_for(n * c * hw, kThreads), kThreads, 0, backward_apply_kernel)(d, gy, x, mean, coef.as<float>(), gx);
  check_launch("batchNormBackward");
}

void batch_norm_update_running(float* run_mean, float* run_var, const float* mean, const float* invstd, int64_t c,
                               double momentum, double eps, int64_t count) {
  if (c <= 0) return;
  const double unbias = count > 1 ? static_cast<double>(count) / static_cast<double>(count - 1) : 1.0;
  PAI_LAUNCH(grid_for(c, kThreads), kThreads, 0, update_running_kernel)(run_mean, run_var, mean, invstd, c, momentum,
                                                                         eps, unbias);
  check_launch("batchNormUpdateRunning");
}

}  // namespace pai::cuda
