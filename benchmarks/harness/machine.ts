/** Facts about the machine recorded beside the measurements. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNative } from '../../lib/backend/native-loader';
import type { MachineInfo } from './types';

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    /* not Linux: fall through */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function gpuName(): string | undefined {
  try {
    // The CUDA helper's loader, when it exists; loaded lazily so the runner works without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cuda = require('../../lib/backend/cuda/loader');
    const info = cuda.cudaInfo?.();
    const names = (info?.devices ?? []).map((d: { name?: string }) => d.name).filter(Boolean);
    return names.length ? names.join(', ') : undefined;
  } catch {
    return undefined;
  }
}

/** CPU model, core count, active ISA path, Node and package versions, GPU if any. */
export function machineInfo(torchVersion?: string): MachineInfo {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const native = loadNative();
  const info: MachineInfo = {
    cpu: cpuModel(),
    cores: os.cpus().length,
    isa: native.addon ? native.addon.info().isa : 'none (reference backend)',
    node: process.version,
    version: pkg.version,
  };
  const gpu = gpuName();
  if (gpu) info.gpu = gpu;
  if (torchVersion) info.torch = torchVersion;
  return info;
}
