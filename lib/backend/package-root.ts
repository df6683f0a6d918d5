import * as fs from 'fs';
import * as path from 'path';

/** The directory of prune-at-init's package.json, found from this file (lib/ or dist/cjs/). */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'prune-at-init') return dir;
      } catch {
        /* keep walking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('prune-at-init: cannot find its own package.json above ' + __dirname);
    dir = parent;
  }
}
