import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../backend/package-root';

let cached: string | undefined;

/** The version in prune-at-init's package.json. */
export function packageVersion(): string {
  if (cached === undefined) cached = String(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version);
  return cached;
}
