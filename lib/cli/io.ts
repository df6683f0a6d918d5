/** Where `pai` writes and what it knows about its terminal; injectable so tests run main() in-process. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  /** Progress bars need the TTY extras of a tty.WriteStream; plain sinks get line output. */
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Milliseconds, monotonic enough for ETAs. */
  now(): number;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => performance.now(),
  };
}
