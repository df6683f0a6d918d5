import * as path from 'path';
import { MissingModuleError } from './errors';
import type { DataModule, ExperimentsModule, ModelsModule, PruneModule } from './library-api';

/** Library layers the CLI loads on demand, by folder under lib/ (dist/cjs/ when built). */
export interface LibraryModules {
  models: ModelsModule;
  data: DataModule;
  prune: PruneModule;
  experiments: ExperimentsModule;
}

/** The layer folder of each module, relative to this file's parent (lib/ or dist/cjs/). */
const FOLDERS: Record<keyof LibraryModules, string> = {
  models: 'models',
  data: 'data',
  prune: 'prune',
  experiments: 'experiments',
};

/** Tests replace modules here (e.g. to check flag handling without training). */
const overrides: Partial<Record<keyof LibraryModules, unknown>> = {};

/** Uses `impl` instead of the real module `name` until reset (null). For tests and embedding. */
export function overrideLibraryModule<K extends keyof LibraryModules>(name: K, impl: Partial<LibraryModules[K]> | null): void {
  if (impl === null) delete overrides[name];
  else overrides[name] = impl;
}

function isNotFoundOf(err: unknown, request: string): boolean {
  const e = err as NodeJS.ErrnoException;
  // A MODULE_NOT_FOUND raised inside the module (a missing file it imports) is a broken
  // module, not a missing one: only the top-level request counts as absent.
  return !!e && e.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(request);
}

/**
 * Loads library module `name` and checks it exports `needed` functions. A missing folder,
 * a load failure or a missing export throws MissingModuleError (exit 2) naming them.
 */
export function requireLibrary<K extends keyof LibraryModules>(name: K, needed: readonly (keyof LibraryModules[K] & string)[]): LibraryModules[K] {
  const folder = `lib/${FOLDERS[name]}`;
  let mod: Record<string, unknown>;
  if (overrides[name]) {
    mod = overrides[name] as Record<string, unknown>;
  } else {
    const request = path.join(__dirname, '..', FOLDERS[name]);
    try {
      mod = require(request) as Record<string, unknown>;
    } catch (err) {
      if (isNotFoundOf(err, request)) throw new MissingModuleError(folder, needed, 'is not part of this build yet');
      throw new MissingModuleError(folder, needed, `failed to load: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const missing = needed.filter((fn) => typeof mod[fn] !== 'function');
  if (missing.length) throw new MissingModuleError(folder, needed, `does not export ${missing.join(', ')} yet`);
  return mod as unknown as LibraryModules[K];
}

/** Like requireLibrary, but null instead of throwing (for optional checks such as name lists). */
export function tryLibrary<K extends keyof LibraryModules>(name: K, needed: readonly (keyof LibraryModules[K] & string)[]): LibraryModules[K] | null {
  try {
    return requireLibrary(name, needed);
  } catch (err) {
    if (err instanceof MissingModuleError) return null;
    throw err;
  }
}
