import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIo } from '../../lib/cli/io';

/** A CliIo that records what `pai` writes, with a settable clock and TTY flag. */
export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
  /** Advances the clock by ms. */
  tick(ms: number): void;
}

export function memoryIo(opts: { cwd?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {}): MemoryIo {
  let out = '';
  let err = '';
  let now = 0;
  const stderr = {
    isTTY: opts.tty ?? false,
    columns: 100,
    write(s: string) {
      err += s;
      return true;
    },
  };
  return {
    stdout: {
      write(s: string) {
        out += s;
        return true;
      },
    },
    stderr,
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    now: () => now,
    out: () => out,
    err: () => err,
    tick: (ms: number) => {
      now += ms;
    },
  };
}

const created: string[] = [];
// Each test file gets its own instance of this module, so this removes that file's folders.
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file's tests. */
export function tempDir(prefix = 'pai-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}
