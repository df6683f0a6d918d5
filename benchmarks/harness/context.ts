/** The BenchContext handed to a suite: measuring, interleaved comparison, records, notes. */
import { calibrateLoops, measure, rate, resolveOptions, summarize, timeLoopsCpu } from './measure';
import { TorchBridge } from './torch-bridge';
import type { BenchContext, BenchRecord, Comparison, MeasureOptions, RecordInput, TimeStats, TorchCase } from './types';

/** Name of the PyTorch baseline in records. */
export const TORCH_BASELINE = 'pytorch';

/** A suite's context plus what the runner reads back after the suite ends. */
export interface SuiteRun {
  ctx: BenchContext;
  records: BenchRecord[];
  notes: string[];
  /** Stops the suite's Python process, if one was started. */
  close(): void;
}

/** Creates the context of one suite; `torch` says whether PyTorch can be imported at all. */
export function createSuiteRun(
  suite: string,
  quick: boolean,
  torch: { available: boolean; reason: string },
  onRecord: (r: BenchRecord) => void = () => undefined,
  filter: RegExp | null = null,
): SuiteRun {
  const records: BenchRecord[] = [];
  const notes: string[] = [];
  let bridge: TorchBridge | null | undefined;
  let nextId = 1;
  const status = { available: torch.available, reason: torch.reason, name: TORCH_BASELINE };

  const getBridge = (): TorchBridge | null => {
    if (bridge !== undefined) return bridge;
    bridge = status.available ? TorchBridge.start(suite) : null;
    if (status.available && !bridge) {
      status.available = false;
      status.reason = `the suite has no PyTorch script (benchmarks/torch/${suite}.py)`;
    }
    return bridge;
  };

  async function timeBaseline(b: TorchBridge, c: TorchCase, oursFn: () => void, loops: number, opts: MeasureOptions | undefined) {
    const o = resolveOptions(opts, quick);
    const id = nextId++;
    await b.setup(id, c);
    try {
      await b.time(id, o.warmup);
      let bl = 1;
      for (;;) {
        const t = await b.time(id, bl);
        if (t >= o.minSeconds) break;
        bl = Math.min(Math.max(Math.ceil((bl * o.minSeconds * 1.2) / Math.max(t, 1e-9)), bl + 1), bl * 100);
      }
      const ours: number[] = [], oursCpu: number[] = [], base: number[] = [], baseCpu: number[] = [];
      for (let r = 0; r < o.repeat; r++) {
        const t = timeLoopsCpu(oursFn, loops);
        ours.push(t.wall / loops);
        oursCpu.push(t.cpu / loops);
        const bt = await b.timeCpu(id, bl);
        base.push(bt.wall / bl);
        if (bt.cpu !== undefined) baseCpu.push(bt.cpu / bl);
      }
      return { ours: summarize(ours, loops, oursCpu), baseline: summarize(base, bl, baseCpu) };
    } finally {
      await b.release(id).catch(() => undefined);
    }
  }

  const ctx: BenchContext = {
    suite,
    quick,
    wants: (name) => !filter || filter.test(name),
    baselineStatus: status,
    measure: (fn, opts) => measure(fn, opts, quick),
    async compare(ours, baseline, opts): Promise<Comparison> {
      const b = baseline ? getBridge() : null;
      if (!b || !baseline) return { ours: measure(ours, opts, quick) };
      const o = resolveOptions(opts, quick);
      for (let i = 0; i < o.warmup; i++) ours();
      const loops = calibrateLoops(ours, o.minSeconds);
      try {
        return await timeBaseline(b, baseline, ours, loops, opts);
      } catch (e) {
        // A baseline failure loses the comparison for this case, not the suite.
        notes.push(`baseline failed for ${JSON.stringify(baseline)}: ${(e as Error).message.split('\n')[0]}`);
        return { ours: measure(ours, opts, quick) };
      }
    },
    rate: (t: TimeStats, work: number, scale?: number) => rate(t, work, scale),
    record(input: RecordInput): BenchRecord {
      const r: BenchRecord = {
        suite,
        case: input.case,
        metric: input.metric,
        higherIsBetter: input.higherIsBetter,
        median: input.value.median,
        min: input.value.min,
        max: input.value.max,
        n: input.value.n,
        params: input.params,
      };
      if (input.baseline) {
        const bm = input.baseline.value.median;
        r.baseline = { name: input.baseline.name, median: bm };
        r.ratio = input.higherIsBetter ? r.median / bm : bm / r.median;
      }
      records.push(r);
      onRecord(r);
      return r;
    },
    note: (text) => void notes.push(text),
  };
  return { ctx, records, notes, close: () => bridge?.close() };
}
