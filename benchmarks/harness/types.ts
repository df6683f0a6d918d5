/** Shapes shared by the benchmark runner, its suites and the JSON output (see BENCHMARKS.md). */

/** Timing of one operation: seconds per call over n measurements. */
export interface TimeStats {
  /** Median seconds per call. */
  median: number;
  /** Fastest measurement, seconds per call. */
  min: number;
  /** Slowest measurement, seconds per call. */
  max: number;
  /** Number of measurements. */
  n: number;
  /** Calls per measurement (looped so that one measurement lasts at least minTimeMs). */
  loops: number;
  /**
   * Median CPU seconds per call, all threads of the measuring process together (user +
   * system). Unlike wall time it barely moves when other processes share the cores, so
   * rates derived from it estimate the speed on an otherwise idle machine.
   */
  cpuMedian?: number;
}

/** A metric's summary, in the metric's own unit (e.g. GFLOP/s). */
export interface MetricStats {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** One measured case, exactly the record format of BENCHMARKS.md. */
export interface BenchRecord {
  suite: string;
  case: string;
  metric: 'gflops' | 'images_per_s' | 'steps_per_s' | 'ms' | 's' | 'gb_per_s' | string;
  higherIsBetter: boolean;
  median: number;
  min: number;
  max: number;
  n: number;
  /** Measured in the same run; absent when no baseline ran. */
  baseline?: { name: string; median: number };
  /** ours / baseline, oriented so that > 1 means ours is better. */
  ratio?: number;
  params: Record<string, unknown>;
}

/** The file written by --json. */
export interface BenchFile {
  machine: MachineInfo;
  records: BenchRecord[];
}

/** What the numbers were measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  isa: string;
  node: string;
  version: string;
  gpu?: string;
  torch?: string;
}

/** Options of ctx.measure and ctx.compare. */
export interface MeasureOptions {
  /** Untimed calls before measuring (default 3; 1 with --quick). */
  warmup?: number;
  /** Number of timed measurements (default 15; 3 with --quick). */
  repeat?: number;
  /** Loop a call until one measurement lasts at least this long (default 10 ms). */
  minTimeMs?: number;
}

/** A case run by the suite's PyTorch script (benchmarks/torch/<suite>.py). */
export interface TorchCase {
  /** JSON-serializable description that the Python script's setup() understands. */
  [key: string]: unknown;
}

/** Result of an interleaved ours-versus-baseline comparison. */
export interface Comparison {
  ours: TimeStats;
  /** Absent when the baseline is not available (the reason is in ctx.baselineStatus). */
  baseline?: TimeStats;
}

/** Arguments of ctx.record: the record minus the fields the runner fills in. */
export interface RecordInput {
  case: string;
  metric: BenchRecord['metric'];
  higherIsBetter: boolean;
  /** The measured value, in the metric's unit. */
  value: MetricStats;
  /** The baseline's value in the same unit, when one ran. */
  baseline?: { name: string; value: MetricStats };
  params: Record<string, unknown>;
}

/** What a suite receives. */
export interface BenchContext {
  /** Name of the suite being run. */
  readonly suite: string;
  /** True with --quick: few, short repetitions (a smoke run). */
  readonly quick: boolean;
  /** False for a case name that --filter REGEX excludes: skip measuring it. */
  wants(caseName: string): boolean;
  /** Times fn (synchronous) and returns seconds per call. */
  measure(fn: () => void, opts?: MeasureOptions): TimeStats;
  /**
   * Times ours and the suite's PyTorch case interleaved (ours, baseline, ours, ...), so that
   * drift on a shared machine hits both. Without PyTorch, only ours is measured.
   */
  compare(ours: () => void, baseline: TorchCase | null, opts?: MeasureOptions): Promise<Comparison>;
  /** Whether the PyTorch baseline can run, and if not, why. */
  readonly baselineStatus: { available: boolean; reason: string; name: string };
  /** Converts timings into a rate: work units per call / seconds per call, scaled by `scale`. */
  rate(t: TimeStats, workPerCall: number, scale?: number): MetricStats;
  /** Adds a record (printed in the suite's table and written by --json). */
  record(input: RecordInput): BenchRecord;
  /** A line printed under the suite's table (e.g. an estimated peak). */
  note(text: string): void;
}

/** A benchmark suite: a file benchmarks/suites/<name>.ts with this as its default export. */
export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<void> | void;
}
