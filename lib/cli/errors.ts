/** Exit codes of `pai`. */
export const EXIT = {
  ok: 0,
  /** Bad flags, unknown names, missing files: the user can fix it. */
  user: 1,
  /** A bug or a missing part of the library. */
  internal: 2,
  /** Interrupted (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
} as const;

/** An error the user can fix: a one-line message and a hint saying how. Exit code 1. */
export class UserError extends Error {
  readonly exitCode = EXIT.user;
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A library module the command needs is not there (yet), or lacks a function: the
 * installation or the build is incomplete, not the user's input. Exit code 2.
 */
export class MissingModuleError extends Error {
  readonly exitCode = EXIT.internal;
  constructor(
    /** Source folder, e.g. `lib/prune`. */
    readonly module: string,
    /** Exported functions the command needs from it. */
    readonly needed: readonly string[],
    /** Why it failed: not found, failed to load, or which exports are missing. */
    readonly reason: string,
  ) {
    super(`${module} ${reason} (needed: ${needed.join(', ')})`);
    this.name = 'MissingModuleError';
  }
}

/** The command was cancelled (SIGINT / AbortSignal). */
export class InterruptedError extends Error {
  readonly exitCode = EXIT.interrupted;
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * Library errors caused by the user's input or environment (a dataset not found, a
 * diverging learning rate, an unreadable results file): exit 1, not 2.
 */
export const USER_ERROR_NAMES = ['DatasetError', 'DivergenceError', 'ResultsFormatError'];

/** What `pai` prints and returns for a failure. */
export interface Failure {
  exitCode: number;
  /** One line. */
  message: string;
  hint: string | null;
  /** Stack trace for internal errors (shown with PAI_DEBUG=1). */
  stack: string | null;
}

/** First line of a message, trimmed, so every failure prints as one line. */
export function oneLine(message: string): string {
  const line = message.split('\n').map((s) => s.trim()).filter(Boolean).join(' ');
  return line.length > 300 ? line.slice(0, 297) + '...' : line;
}

/**
 * Classifies any thrown value. Library errors that are the user's fault carry a string
 * `hint` (how to fix it) or are named in USER_ERROR_NAMES, and become exit 1; an
 * AbortError is an interruption; anything
 * else is internal (exit 2) and keeps its stack for PAI_DEBUG.
 */
export function classifyError(err: unknown): Failure {
  if (err instanceof UserError) return { exitCode: EXIT.user, message: oneLine(err.message), hint: err.hint, stack: null };
  if (err instanceof MissingModuleError) {
    return {
      exitCode: EXIT.internal,
      message: oneLine(err.message),
      hint: 'this build of prune-at-init is incomplete; rebuild with `npm run build:ts` or reinstall, and report it if it persists',
      stack: null,
    };
  }
  // AbortSignal reasons are DOMExceptions, which are not `instanceof Error` in every realm.
  if (err instanceof InterruptedError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError')) {
    return { exitCode: EXIT.interrupted, message: 'interrupted', hint: null, stack: null };
  }
  if (err instanceof Error) {
    const hint = (err as Error & { hint?: unknown }).hint;
    if (typeof hint === 'string' && hint) return { exitCode: EXIT.user, message: oneLine(err.message), hint, stack: null };
    if (USER_ERROR_NAMES.includes(err.name)) {
      // The library writes these as "<problem>. Fix: <fix>": split them into message and hint.
      const [problem, ...fix] = oneLine(err.message).split(/\.?\s+Fix:\s+/);
      return { exitCode: EXIT.user, message: problem, hint: fix.length ? fix.join(' ').replace(/\.$/, '') : null, stack: null };
    }
    return {
      exitCode: EXIT.internal,
      message: `internal error: ${oneLine(err.message)}`,
      hint: 'rerun with PAI_DEBUG=1 for the stack trace and report it at the issue tracker',
      stack: err.stack ?? null,
    };
  }
  return { exitCode: EXIT.internal, message: `internal error: ${oneLine(String(err))}`, hint: null, stack: null };
}
