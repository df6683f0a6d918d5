import { Command } from 'commander';
import * as path from 'path';
import { loadNative } from '../../backend/native-loader';
import { outputOptions, runtimeOptions } from '../common-options';
import { CommandContext, commandAction, withExamples } from '../context';
import { LibraryModules, tryLibrary } from '../library';
import { packageVersion } from '../version';

/** What `pai info` reports; the JSON document of `pai info --json`. */
export interface InfoReport {
  version: string;
  node: string;
  platform: string;
  /** The backend new tensors use, or null if none can be created (see error). */
  backend: string | null;
  backendError: string | null;
  /** Which backends can be created here, and why not. */
  backends: { name: string; available: boolean; error: string | null }[];
  native: { path: string | null; error: string | null; isa: string | null; detectedIsa: string | null; threads: number | null };
  cuda: { devices: unknown[]; error: string | null };
  /** Crossover densities of the sparse kernels, when measured (null before the Sparse layer provides them). */
  sparseCrossover: unknown;
  /** Library layers present in this build. */
  layers: Record<string, boolean>;
  models: string[];
  datasets: string[];
  pruners: string[];
}

type BackendModule = {
  backendInfo?: () => { backend: string; isa: string | null; threads: number | null };
  backendByName?: (name: string) => unknown;
  cudaDevices?: () => unknown[];
};

function tryRequire<T>(relative: string): T | null {
  try {
    return require(path.join(__dirname, '..', '..', relative)) as T;
  } catch {
    return null;
  }
}

/** Gathers the report; never throws (a failing probe is reported as its error). */
export function gatherInfo(): InfoReport {
  const native = loadNative();
  let addonInfo: { isa: string; detectedIsa: string; threads: number } | null = null;
  try {
    addonInfo = native.addon ? native.addon.info() : null;
  } catch {
    addonInfo = null;
  }
  const backendMod = tryRequire<BackendModule>('backend');
  let backend: string | null = null;
  let backendError: string | null = null;
  try {
    backend = backendMod?.backendInfo ? backendMod.backendInfo().backend : native.addon ? 'cpu' : 'reference';
  } catch (e) {
    backendError = (e as Error).message;
  }
  const backends = ['reference', 'cpu', 'cuda'].map((name) => {
    if (!backendMod?.backendByName) return { name, available: name === 'reference' || (name === 'cpu' && !!native.addon), error: name === 'cpu' ? native.error : null };
    try {
      backendMod.backendByName(name);
      return { name, available: true, error: null };
    } catch (e) {
      return { name, available: false, error: (e as Error).message.split('\n')[0] };
    }
  });
  const cudaMod = tryRequire<BackendModule>('backend/cuda');
  let devices: unknown[] = [];
  let cudaError: string | null = backends[2].error?.replace(/^setBackend\('cuda'\):\s*/, '') ?? null;
  try {
    if (cudaMod?.cudaDevices) devices = cudaMod.cudaDevices();
  } catch (e) {
    cudaError = (e as Error).message.split('\n')[0];
  }
  const sparse = tryRequire<{ sparseCrossover?: () => unknown }>('backend/sparse');
  let sparseCrossover: unknown = null;
  try {
    sparseCrossover = sparse?.sparseCrossover ? sparse.sparseCrossover() : null;
  } catch (e) {
    sparseCrossover = { error: (e as Error).message.split('\n')[0] };
  }
  const layerNames: (keyof LibraryModules)[] = ['models', 'data', 'prune', 'experiments'];
  const layers = Object.fromEntries(layerNames.map((n) => [n, tryRequire(n) !== null]));
  return {
    version: packageVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend,
    backendError,
    backends,
    native: { path: native.path, error: native.error, isa: addonInfo?.isa ?? null, detectedIsa: addonInfo?.detectedIsa ?? null, threads: addonInfo?.threads ?? null },
    cuda: { devices, error: devices.length ? null : cudaError },
    sparseCrossover,
    layers,
    models: tryLibrary('models', ['modelNames'])?.modelNames() ?? [],
    datasets: tryLibrary('data', ['datasetNames'])?.datasetNames() ?? [],
    pruners: tryLibrary('prune', ['prunerNames'])?.prunerNames() ?? [],
  };
}

/** The report as aligned "key: value" lines. */
export function infoLines(r: InfoReport): string[] {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const lines = [
    `prune-at-init ${r.version} (node ${r.node}, ${r.platform})`,
    `backend:        ${r.backend ?? `none (${r.backendError})`}`,
    `backends:       ${r.backends.map((b) => `${b.name} ${b.available ? 'loaded' : 'unavailable'}`).join(', ')}`,
    `native addon:   ${r.native.path ?? `not loaded: ${r.native.error}`}`,
  ];
  if (r.native.isa) lines.push(`ISA path:       ${r.native.isa} (CPU supports ${r.native.detectedIsa})`);
  if (r.native.threads !== null) lines.push(`threads:        ${r.native.threads}`);
  lines.push(`CUDA devices:   ${r.cuda.devices.length ? r.cuda.devices.map((d) => (typeof d === 'string' ? d : JSON.stringify(d))).join('; ') : `none${r.cuda.error ? ` (${r.cuda.error})` : ''}`}`);
  lines.push(`sparse crossover: ${r.sparseCrossover === null ? 'not measured in this build' : JSON.stringify(r.sparseCrossover)}`);
  lines.push(`library layers: ${Object.entries(r.layers).map(([k, v]) => `${k} ${yes(v)}`).join(', ')}`);
  if (r.models.length) lines.push(`models:         ${r.models.join(', ')}`);
  if (r.datasets.length) lines.push(`datasets:       ${r.datasets.join(', ')}`);
  if (r.pruners.length) lines.push(`pruners:        ${r.pruners.join(', ')}`);
  return lines;
}

/** `pai info`: version, backends, ISA path, threads, CUDA devices. */
export function infoCommand(ctx: CommandContext): Command {
  const cmd = new Command('info').description('show the version, backends, ISA path, threads and CUDA devices').allowExcessArguments(false);
  runtimeOptions(cmd);
  outputOptions(cmd);
  withExamples(cmd, [
    ['pai info', 'is the native CPU backend loaded, and which ISA path runs?'],
    ['PAI_BACKEND=reference pai info --json', 'the same as JSON, forcing the reference backend'],
  ]);
  return cmd.action(
    commandAction(ctx, async ({ out }) => {
      const report = gatherInfo();
      out.lines(infoLines(report));
      out.result({ ok: true, command: 'info', ...report });
    }),
  );
}
