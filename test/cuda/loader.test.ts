/**
 * Asking for CUDA where it cannot run (no CUDA build, no driver, no device) must give a clear
 * error and never crash. These tests need no GPU and always run; on a machine with a device
 * they check the positive side instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cudaInfo, loadCuda, resetCudaLoader } from '../../lib/backend/cuda/loader';
import { createCudaBackend } from '../../lib/backend/cuda';
import { backendByName, isBackendAvailable } from '../../lib/backend';

afterEach(() => resetCudaLoader());

describe('CUDA loader', () => {
  test('cudaInfo never throws and describes the state', () => {
    const info = cudaInfo();
    expect(typeof info.loaded).toBe('boolean');
    expect(Array.isArray(info.devices)).toBe(true);
    if (info.loaded) {
      expect(info.error).toBeNull();
      expect(info.devices.length).toBeGreaterThan(0);
      for (const d of info.devices) {
        expect(typeof d.name).toBe('string');
        expect(d.memory).toBeGreaterThan(0);
        expect(d.computeCapability).toMatch(/^\d+\.\d+$/);
      }
    } else {
      expect(info.error).toMatch(/CUDA|cuda/);
      expect(info.error!.length).toBeGreaterThan(20);
    }
  });

  test('without a usable device, asking for CUDA throws an Error naming the cause', () => {
    const info = cudaInfo();
    if (info.loaded) return; // a GPU is here: nothing to refuse
    expect(() => createCudaBackend()).toThrow(/CUDA/);
    expect(() => backendByName('cuda')).toThrow(/cuda/i);
    expect(isBackendAvailable('cuda')).toBe(false);
  });

  test('a CUDA build without a driver loads, reports the reason, and refuses device memory', () => {
    const load = loadCuda();
    if (!load.addon || !load.error) return; // no build here, or a usable device
    expect(load.addon.info().devices).toEqual([]);
    expect(() => new load.addon!.DeviceBuffer(16)).toThrow(/not available/);
    // Argument checks come before any device use.
    expect(() => (load.addon as any).sgemm()).toThrow(/sgemm: expected 15 arguments/);
    expect(() => (load.addon as any).unary('neg', new Float32Array(2), null, 0, 0)).toThrow(/DeviceBuffer/);
  });

  test('a broken PAI_CUDA_ADDON_PATH is reported, not a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-cuda-'));
    const bad = path.join(dir, 'pai_cuda.node');
    fs.writeFileSync(bad, 'not a shared object');
    const saved = process.env.PAI_CUDA_ADDON_PATH;
    process.env.PAI_CUDA_ADDON_PATH = bad;
    try {
      resetCudaLoader();
      const load = loadCuda();
      // Another build may load after the broken one; otherwise the error names the file.
      if (!load.addon) expect(load.error).toContain(bad);
      expect(() => cudaInfo()).not.toThrow();
    } finally {
      if (saved === undefined) delete process.env.PAI_CUDA_ADDON_PATH;
      else process.env.PAI_CUDA_ADDON_PATH = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('node-gyp-build ranks a tagged CPU prebuild above an untagged pai_cuda.node', () => {
    // prebuilds/<platform>-<arch>/ may ship both; the CPU loader must never get the CUDA one.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-prebuilds-'));
    const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'pai_cuda.node'), '');
    fs.writeFileSync(path.join(dir, 'node.napi.node'), '');
    fs.writeFileSync(path.join(root, 'package.json'), '{"name":"x"}');
    try {
      const picked: string = require('node-gyp-build').resolve(root);
      expect(path.basename(picked)).toBe('node.napi.node');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
