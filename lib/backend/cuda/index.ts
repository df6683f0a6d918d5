/**
 * The CUDA backend, loaded only when CUDA is asked for (setBackend('cuda'), PAI_BACKEND=cuda,
 * tensor.to('cuda')). Its addon is a separate pai_cuda.node.
 */
import type { Backend } from '../backend';
import { CudaBackend } from './cuda-backend';
import { requireCuda } from './loader';

export { CudaBackend, CudaIndex } from './cuda-backend';
export { cudaInfo, loadCuda, requireCuda } from './loader';
export type { CudaDevice, CudaInfo, CudaLoad } from './loader';
export type { CudaAddon, DeviceBuffer, CudaMemoryStats } from './addon';

/**
 * Creates the cuda backend; throws an Error naming the cause (no CUDA build, no driver, no
 * device) and the fix when CUDA cannot be used. It never crashes the process.
 */
export function createCudaBackend(): Backend {
  return new CudaBackend(requireCuda());
}
