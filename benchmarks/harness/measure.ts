/** Timing loops: warm-up, calibration to a minimum measurement length, median/min/max. */
import type { MeasureOptions, MetricStats, TimeStats } from './types';

/** Seconds elapsed while running fn `loops` times. */
export function timeLoops(fn: () => void, loops: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) fn();
  return Number(process.hrtime.bigint() - t0) * 1e-9;
}

/** Calls per measurement so that one measurement lasts at least minSeconds. */
export function calibrateLoops(fn: () => void, minSeconds: number): number {
  let loops = 1;
  for (;;) {
    const t = timeLoops(fn, loops);
    if (t >= minSeconds) return loops;
    // Aim 20% over the target so that noise rarely drops a measurement below it.
    const want = t > 0 ? Math.ceil((loops * minSeconds * 1.2) / t) : loops * 10;
    loops = Math.min(Math.max(want, loops + 1), loops * 100);
  }
}

/** Wall and CPU (all threads of this process) seconds of running fn `loops` times. */
export function timeLoopsCpu(fn: () => void, loops: number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const wall = timeLoops(fn, loops);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) * 1e-6 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, min, max of per-call seconds (and the median of per-call CPU seconds, if given). */
export function summarize(perCall: number[], loops: number, cpuPerCall?: number[]): TimeStats {
  const s = [...perCall].sort((a, b) => a - b);
  const t: TimeStats = { median: median(s), min: s[0], max: s[s.length - 1], n: s.length, loops };
  if (cpuPerCall && cpuPerCall.length) t.cpuMedian = median(cpuPerCall);
  return t;
}

/** Resolved options: defaults for a full run or a --quick smoke run. */
export function resolveOptions(opts: MeasureOptions | undefined, quick: boolean) {
  return {
    warmup: opts?.warmup ?? (quick ? 1 : 3),
    repeat: quick ? Math.min(opts?.repeat ?? 3, 3) : (opts?.repeat ?? 15),
    minSeconds: (opts?.minTimeMs ?? 10) / 1000,
  };
}

/** Warm up, calibrate, then time `repeat` measurements of fn. */
export function measure(fn: () => void, opts: MeasureOptions | undefined, quick: boolean): TimeStats {
  const o = resolveOptions(opts, quick);
  for (let i = 0; i < o.warmup; i++) fn();
  const loops = calibrateLoops(fn, o.minSeconds);
  const perCall: number[] = [], cpu: number[] = [];
  for (let r = 0; r < o.repeat; r++) {
    const t = timeLoopsCpu(fn, loops);
    perCall.push(t.wall / loops);
    cpu.push(t.cpu / loops);
  }
  return summarize(perCall, loops, cpu);
}

/** work / seconds per call, times scale: a higher-is-better rate (min rate from max time). */
export function rate(t: TimeStats, workPerCall: number, scale = 1): MetricStats {
  return {
    median: (workPerCall / t.median) * scale,
    min: (workPerCall / t.max) * scale,
    max: (workPerCall / t.min) * scale,
    n: t.n,
  };
}
