import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');
const STAMP = path.join(ROOT, 'dist', 'esm', 'index.mjs');

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(ROOT, 'lib'));
  for (const f of ['scripts/make-esm.js', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, fs.statSync(path.join(ROOT, f)).mtimeMs);
  return newest;
}

function fresh(): boolean {
  return fs.existsSync(STAMP) && fs.statSync(STAMP).mtimeMs >= newestSource();
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `npm run build:ts` unless dist/ is newer than every source. Test files run in
 * parallel workers, so a lock directory makes one build and the others wait for it.
 */
export function ensureBuilt(force = false): void {
  if (!force && fresh()) return;
  const lock = path.join(os.tmpdir(), `pai-build-${crypto.createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (fs.existsSync(lock) && Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`ensureBuilt: ${lock} held for over 5 minutes`);
      sleep(500);
    }
  }
  try {
    if (force || !fresh()) {
      try {
        execFileSync('npm', ['run', '--silent', 'build:ts'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        throw new Error(`npm run build:ts failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      }
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
