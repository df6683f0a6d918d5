/**
 * Global threshold selection: exactly k of n scores kept (the mask written in the same
 * call), over 15M and 100M scores, against torch.kthvalue plus the mask comparison.
 */
import { loadNative } from '../../lib/backend/native-loader';
import { sparseNative } from '../../lib/backend/sparse/native';
import { selectTopK } from '../../lib/backend/sparse/select';
import type { BenchContext, BenchSuite, TimeStats } from '../harness/types';

/** |N(0, 1)| scores from a fixed LCG (fast to fill 100M entries; the values' order is what matters). */
function scores(n: number): Float32Array {
  const s = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const u = (x >>> 8) / 16777216;
    s[i] = Math.abs(Math.log(u / (1 - u + 1e-9) + 1e-9)); // logistic tail, heavy around 0
  }
  return s;
}

const ms = (t: TimeStats) => ({ median: t.median * 1e3, min: t.min * 1e3, max: t.max * 1e3, n: t.n });

const suite: BenchSuite = {
  name: 'select',
  description: 'exact top-k (global threshold + mask) over 15M and 100M scores',
  async run(ctx: BenchContext) {
    const info = loadNative().addon?.info();
    const threads = info?.threads ?? 1;
    for (const n of [15_000_000, 100_000_000]) {
      const s = scores(n);
      const mask = new Float32Array(n);
      for (const density of [0.1, 0.01]) {
        const k = Math.round(density * n);
        const t = await ctx.compare(() => void selectTopK(s, k, mask), { n, k, threads }, { repeat: ctx.quick ? 3 : 9 });
        const native = sparseNative('selectTopK') !== null;
        const params = { n, k, density, threads, isa: native ? info?.isa : 'none', backend: native ? 'cpu' : 'reference' };
        const label = `top-k ${n / 1e6}M keep ${density * 100}%`;
        ctx.record({
          case: label,
          metric: 'ms',
          higherIsBetter: false,
          value: ms(t.ours),
          baseline: t.baseline ? { name: 'pytorch-kthvalue', value: ms(t.baseline) } : undefined,
          params,
        });
        // Bytes of scores read per call (the mask written is as large again).
        ctx.record({ case: label, metric: 'gb_per_s', higherIsBetter: true, value: ctx.rate(t.ours, n * 4, 1e-9), params });
      }
    }
    ctx.note('gb_per_s counts the scores read once (4 bytes each); the mask is written in the same call.');
  },
};

export default suite;
