import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../io/atomic-write';
import type { Results } from '../experiments/results';
import { renderReport } from '../experiments/report';
import { jsonReplacer } from './output';

/** Files a run directory may hold, in the order they are listed. */
export const RUN_FILES = ['results.json', 'report.svg', 'masks.safetensors', 'weights.safetensors'];

/**
 * Writes results.json (atomically) and report.svg into `outDir`, and returns the paths of
 * the run files that exist there afterwards (the library writes the safetensors files).
 */
export async function writeRunOutputs(outDir: string, results: Results): Promise<string[]> {
  await writeFileAtomic(path.join(outDir, 'results.json'), Buffer.from(JSON.stringify(results, jsonReplacer, 2) + '\n'));
  const report = renderReport([results]);
  await writeFileAtomic(path.join(outDir, 'report.svg'), Buffer.from(report.combined));
  return RUN_FILES.map((f) => path.join(outDir, f)).filter((f) => fs.existsSync(f));
}

/** A default output directory name from the run's words, e.g. runs/prune-lenet5-synflow-c1.5. */
export function defaultRunDir(...words: (string | number)[]): string {
  return path.join('runs', words.map((w) => String(w).replace(/[^A-Za-z0-9_.-]+/g, '_')).join('-'));
}
