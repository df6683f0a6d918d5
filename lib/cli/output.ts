import { CliIo } from './io';

/**
 * The one place commands print. Human text goes to stdout normally and to stderr under
 * --json, so that stdout then carries exactly one JSON document (written by {@link result}).
 */
export class Output {
  private emitted = false;

  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
    readonly quiet = false,
  ) {}

  /** Human-readable lines: the command's main text. */
  lines(lines: readonly string[]): void {
    const sink = this.json ? this.io.stderr : this.io.stdout;
    if (this.json && this.quiet) return;
    for (const l of lines) sink.write(l + '\n');
  }

  /** A status note (files written, warnings): always stderr, dropped by --quiet. */
  note(line: string): void {
    if (!this.quiet) this.io.stderr.write(line + '\n');
  }

  /** The command's JSON document (only under --json; once). */
  result(doc: unknown): void {
    if (!this.json) return;
    if (this.emitted) throw new Error('Output.result: a command printed two JSON documents');
    this.emitted = true;
    this.io.stdout.write(JSON.stringify(doc, jsonReplacer, 2) + '\n');
  }

  /** Whether the JSON document was written (main() writes an error document otherwise). */
  get hasResult(): boolean {
    return this.emitted;
  }
}

/** JSON cannot hold NaN/Infinity or typed arrays: write them as null and plain arrays. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'bigint') return Number(value);
  return value;
}
