import * as data from '../data';
import * as experiments from '../experiments';
import * as models from '../models';
import * as prune from '../prune';
import { MissingModuleError } from './errors';
import type { DataModule, ExperimentsModule, ModelsModule, PruneModule } from './library-api';

/** The library layers the CLI calls, checked against the contract of library-api.ts. */
export interface LibraryModules {
  models: ModelsModule;
  data: DataModule;
  prune: PruneModule;
  experiments: ExperimentsModule;
}

// Static imports: the compiler checks each layer against its interface here.
const REAL: LibraryModules = { models, data, prune, experiments };

/** Tests replace modules here (e.g. to check flag handling without training). */
const overrides: Partial<Record<keyof LibraryModules, unknown>> = {};

/** Uses `impl` instead of the real module `name` until reset (null). For tests and embedding. */
export function overrideLibraryModule<K extends keyof LibraryModules>(name: K, impl: Partial<LibraryModules[K]> | null): void {
  if (impl === null) delete overrides[name];
  else overrides[name] = impl;
}

/**
 * Library module `name` (or its override), checked to provide the `needed` functions; a
 * stand-in that lacks one throws MissingModuleError (exit 2) naming it.
 */
export function requireLibrary<K extends keyof LibraryModules>(name: K, needed: readonly (keyof LibraryModules[K] & string)[]): LibraryModules[K] {
  const mod = (overrides[name] ?? REAL[name]) as Record<string, unknown>;
  const missing = needed.filter((fn) => typeof mod[fn] !== 'function');
  if (missing.length) throw new MissingModuleError(`lib/${name}`, needed, `does not export ${missing.join(', ')} yet`);
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
