import { loadNative } from '../native-loader';

type Fn = (...args: any[]) => any;

/**
 * The sparse and selection functions of the native addon, or null for each one that is
 * missing (an older addon, no addon, or PAI_BACKEND=reference): callers then run the
 * TypeScript reference.
 */
export function sparseNative(name: string): Fn | null {
  if (process.env.PAI_BACKEND === 'reference') return null;
  const { addon } = loadNative();
  const f = addon ? addon[name] : undefined;
  return typeof f === 'function' ? f : null;
}
