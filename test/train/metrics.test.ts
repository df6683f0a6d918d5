import { EpochMeter, topKCorrect } from '../../lib/train/metrics';

describe('top-k accuracy', () => {
  const logits = Float32Array.of(
    0.1, 0.9, 0.0, 0.5, // label 1: top-1
    0.8, 0.1, 0.7, 0.2, // label 2: second
    0.3, 0.3, 0.3, 0.3, // label 3: all tied, counted last
  );
  const labels = Int32Array.of(1, 2, 3);

  test('counts labels among the k largest logits', () => {
    expect(topKCorrect(logits, labels, 4, 1)).toBe(1);
    expect(topKCorrect(logits, labels, 4, 2)).toBe(2);
    expect(topKCorrect(logits, labels, 4, 3)).toBe(2);
    expect(topKCorrect(logits, labels, 4, 4)).toBe(3);
  });

  test('EpochMeter averages loss per sample and accuracies', () => {
    const m = new EpochMeter();
    m.add(1, logits, labels, 4);
    m.add(4, Float32Array.of(0, 1, 0, 0), Int32Array.of(1), 4);
    expect(m.loss).toBeCloseTo((3 * 1 + 4) / 4, 12);
    expect(m.top1).toBeCloseTo(2 / 4, 12);
    expect(m.top5).toBe(1);
    expect(m.samples).toBe(4);
  });

  test('rejects mismatched shapes and labels out of range', () => {
    expect(() => topKCorrect(logits, Int32Array.of(1, 2), 4, 1)).toThrow(/expected 2 x 4/);
    expect(() => topKCorrect(logits, Int32Array.of(1, 2, 4), 4, 1)).toThrow(/label 4/);
  });
});
