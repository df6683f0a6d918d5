import * as cliProgress from 'cli-progress';
import { CliIo } from './io';
import { formatNumber } from '../experiments/report/scale';
import { duration } from './table';
import type { ProgressEvent } from '../experiments/progress';

export type { ProgressEvent } from '../experiments/progress';

/** Minimum milliseconds between two plain progress lines of one phase. */
export const PLAIN_INTERVAL_MS = 2000;

function formatMetrics(metrics: ProgressEvent['metrics']): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(' ');
}

/**
 * Shows progress on stderr: a cli-progress bar with an ETA on a TTY, plain lines
 * elsewhere (one when a phase starts, then at most every 2 s, and when it completes),
 * nothing under --quiet. Feed it with {@link Progress.onProgress}.
 */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private phase: string | null = null;
  private started = 0;
  private lastLine = -Infinity;
  private lastDone = -1;
  private finished = false;
  private readonly mode: 'bar' | 'plain' | 'off';
  /** Start time and progress of every phase seen, so an outer phase (a grid's runs) keeps its clock while inner phases come and go. */
  private readonly seen = new Map<string, { started: number; lastDone: number }>();

  constructor(
    private readonly io: CliIo,
    opts: { quiet?: boolean; tty?: boolean } = {},
  ) {
    const tty = opts.tty ?? (!!io.stderr.isTTY && io.env.CI === undefined && io.env.TERM !== 'dumb');
    this.mode = opts.quiet ? 'off' : tty ? 'bar' : 'plain';
  }

  /** The callback to hand to library calls (bound; safe to pass around). */
  readonly onProgress = (e: ProgressEvent): void => this.update(e);

  /** Shows one event. */
  update(e: ProgressEvent): void {
    if (this.mode === 'off' || !(e.total > 0)) return;
    const now = this.io.now();
    const done = Math.min(Math.max(0, e.done), e.total);
    if (e.phase !== this.phase || done < this.lastDone) this.startPhase(e, done, now);
    this.lastDone = done;
    this.seen.set(e.phase, { started: this.started, lastDone: done });
    const metrics = formatMetrics(e.metrics);
    if (this.mode === 'bar') {
      this.bar!.setTotal(e.total);
      this.bar!.update(done, { phase: e.phase, unit: e.unit ?? '', metrics });
      return;
    }
    const complete = done >= e.total;
    if (complete && this.finished) return;
    if (!complete && now - this.lastLine < PLAIN_INTERVAL_MS) return;
    this.finished = complete;
    this.lastLine = now;
    const elapsed = (now - this.started) / 1000;
    const pct = Math.floor((100 * done) / e.total);
    let line = `${e.phase}: ${done}/${e.total}${e.unit ? ' ' + e.unit : ''} (${pct}%)`;
    if (done > 0 && elapsed > 0) line += complete ? `, ${duration(elapsed)}` : `, ${duration(elapsed)} elapsed, ETA ${duration((elapsed * (e.total - done)) / done)}`;
    if (metrics) line += `, ${metrics}`;
    this.io.stderr.write(line + '\n');
  }

  private startPhase(e: ProgressEvent, done: number, now: number): void {
    this.stopBar();
    const before = this.seen.get(e.phase);
    const resumed = before !== undefined && e.phase !== this.phase && done >= before.lastDone;
    this.phase = e.phase;
    this.started = resumed ? before.started : now;
    this.lastLine = -Infinity;
    this.lastDone = -1;
    this.finished = false;
    if (this.mode !== 'bar') return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.io.stderr as NodeJS.WriteStream,
        format: '{phase} |{bar}| {percentage}% | {value}/{total} {unit} | ETA {eta_formatted} {metrics}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(e.total, 0, { phase: e.phase, unit: e.unit ?? '', metrics: '' });
  }

  private stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }

  /** A line of text that must not be overwritten by the bar (bar stopped first). */
  log(line: string): void {
    if (this.mode === 'off') return;
    this.stopBar();
    this.phase = null;
    this.io.stderr.write(line + '\n');
  }

  /** Ends the current bar (leaving it on screen). */
  stop(): void {
    this.stopBar();
    this.phase = null;
  }
}
