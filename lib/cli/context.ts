import { Command } from 'commander';
import { CliIo } from './io';
import type { RunHooks } from './library-api';
import { Output } from './output';
import { Progress } from './progress';
import type { ParsedOptions } from './settings';

/** What main() hands every command: where to write, and the cancellation signal. */
export interface CommandContext {
  io: CliIo;
  signal: AbortSignal;
}

/** What a running command works with. */
export interface CommandScope {
  ctx: CommandContext;
  /** Parsed options of the command (camelCase). */
  opts: ParsedOptions;
  /** Positional arguments. */
  args: string[];
  out: Output;
  progress: Progress;
  /** To pass to library calls: the signal and the progress callback. */
  hooks: RunHooks;
  /** Whether the user gave option `name` (camelCase) on the command line, rather than its default. */
  given(name: string): boolean;
}

/** Applies --backend / --threads through the environment, before any library layer loads. */
export function applyRuntimeOptions(opts: ParsedOptions): void {
  if (opts.backend !== undefined) process.env.PAI_BACKEND = String(opts.backend);
  if (opts.threads !== undefined) process.env.PAI_NUM_THREADS = String(opts.threads);
}

/**
 * A commander action that builds the command's scope (output, progress, hooks) and runs
 * `handler`. Errors propagate to main(), which prints them and picks the exit code.
 */
export function commandAction(ctx: CommandContext, handler: (scope: CommandScope) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...actionArgs: unknown[]) => {
    const cmd = actionArgs[actionArgs.length - 1] as Command;
    const opts = cmd.opts() as ParsedOptions;
    const args = actionArgs.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
    applyRuntimeOptions(opts);
    const out = new Output(ctx.io, !!opts.json, !!opts.quiet);
    const progress = new Progress(ctx.io, { quiet: !!opts.quiet });
    try {
      const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      await handler({ ctx, opts, args, out, progress, hooks: { signal: ctx.signal, onProgress: progress.onProgress }, given });
    } finally {
      progress.stop();
    }
  };
}

/** Adds an "Examples:" section to a command's --help. */
export function withExamples(cmd: Command, examples: readonly [string, string][]): Command {
  const lines = examples.map(([command, what]) => `  $ ${command}\n      ${what}`);
  return cmd.addHelpText('after', `\nExamples:\n${lines.join('\n')}\n`);
}
