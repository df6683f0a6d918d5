import { CommanderError } from 'commander';
import { CommandContext } from './context';
import { classifyError, EXIT, Failure, oneLine } from './errors';
import { CliIo, processIo } from './io';
import { buildProgram } from './program';

/** Commander error codes that mean "help or version was shown": success, or a usage error when asked without a command. */
const DISPLAY_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

/** The command path named in argv ("prune", "experiment collapse"), for hints. */
export function commandPath(argv: readonly string[]): string {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
    if (a !== 'experiment' && a !== 'help') break;
  }
  return words.join(' ');
}

/** Turns commander's parse errors into one line plus a hint (exit 1). */
export function commanderFailure(err: CommanderError, argv: readonly string[]): Failure {
  const lines = err.message.replace(/^error:\s*/, '').split('\n').map((s) => s.trim()).filter(Boolean);
  const suggestion = lines.find((l) => /^\(Did you mean/i.test(l));
  const message = oneLine(lines.filter((l) => l !== suggestion).join(' '));
  const where = err.code === 'commander.unknownCommand' ? null : commandPath(argv);
  const help = where === null ? "run 'pai --help' for the commands" : `run 'pai ${where ? where + ' ' : ''}--help' for the options`;
  const hint = suggestion ? `${suggestion.replace(/^\(|\)$/g, '').replace(/^Did/, 'did')} ${help}` : help;
  return { exitCode: EXIT.user, message, hint, stack: null };
}

/**
 * Runs `pai` with `argv` (without "node pai") and returns the exit code: 0 success, 1 user
 * error, 2 internal error, 130 interrupted. Never throws and never calls process.exit, so
 * tests and host programs can call it in-process with their own io.
 * @example const code = await main(['info', '--json'], myIo);
 */
export async function main(argv: readonly string[], io: CliIo = processIo(), opts: { signal?: AbortSignal } = {}): Promise<number> {
  const end = argv.indexOf('--');
  const json = (end < 0 ? argv : argv.slice(0, end)).includes('--json');
  const ctx: CommandContext = { io, signal: opts.signal ?? new AbortController().signal };
  let failure: Failure;
  try {
    const program = buildProgram(ctx);
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (DISPLAY_CODES.has(err.code)) return EXIT.ok;
      // `pai help x` shows help (exit 0); `pai` alone prints it to stderr as a usage error.
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.ok : EXIT.user;
      failure = commanderFailure(err, argv);
    } else {
      failure = classifyError(err);
    }
  }
  io.stderr.write(`pai: error: ${failure.message}\n`);
  if (failure.hint) io.stderr.write(`  hint: ${failure.hint}\n`);
  if (failure.stack && io.env.PAI_DEBUG) io.stderr.write(failure.stack + '\n');
  if (json) {
    const command = commandPath(argv);
    io.stdout.write(JSON.stringify({ ok: false, command: command || null, error: { message: failure.message, hint: failure.hint, exitCode: failure.exitCode } }, null, 2) + '\n');
  }
  return failure.exitCode;
}

/**
 * The `pai` executable: main() on the process, Ctrl-C aborts the running command (a second
 * one exits at once), Node warnings print as one line each, and the exit code is set.
 */
export async function run(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\npai: stopping (Ctrl-C again to exit now)\n');
    controller.abort();
  });
  // `pai ... | head` closes stdout early: stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
      throw e;
    });
  }
  process.removeAllListeners('warning');
  const quiet = process.argv.includes('--quiet') || process.argv.includes('-q');
  process.on('warning', (w) => {
    if (!quiet) process.stderr.write(`pai: warning: ${oneLine(w.message)}\n`);
  });
  process.exitCode = await main(process.argv.slice(2), processIo(), { signal: controller.signal });
}
