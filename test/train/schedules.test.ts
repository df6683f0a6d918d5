import { learningRateAt, scheduledLr, validateLrSchedule } from '../../lib/train/schedules';

describe('learning-rate schedules', () => {
  test('multistep multiplies by 0.1 at each milestone epoch (PyTorch MultiStepLR stepped per epoch)', () => {
    const spec = { kind: 'multistep' as const, milestones: [2, 4] };
    const expected = [0.1, 0.1, 0.01, 0.01, 0.001, 0.001];
    [0, 1, 2, 3, 4, 5].forEach((e) => expect(scheduledLr(spec, 0.1, e)).toBeCloseTo(expected[e], 15));
    expect(scheduledLr({ kind: 'multistep', milestones: [1], gamma: 0.5 }, 1, 3)).toBe(0.5);
  });

  test('cosine goes from the base rate to minLr over the given epochs', () => {
    const spec = { kind: 'cosine' as const, epochs: 4, minLr: 0.01 };
    expect(scheduledLr(spec, 0.1, 0)).toBeCloseTo(0.1, 12);
    expect(scheduledLr(spec, 0.1, 2)).toBeCloseTo(0.055, 12);
    expect(scheduledLr(spec, 0.1, 1)).toBeCloseTo(0.01 + 0.09 * (1 + Math.SQRT1_2) / 2, 12);
    expect(scheduledLr(spec, 0.1, 4)).toBeCloseTo(0.01, 12);
    expect(scheduledLr(spec, 0.1, 9)).toBeCloseTo(0.01, 12);
  });

  test('linear warm-up ramps per step, then hands over to the schedule', () => {
    const s = { schedule: { kind: 'constant' as const }, warmupEpochs: 2 };
    // 2 epochs x 5 steps = 10 warm-up steps: step k (global, 0-based) gets lr (k + 1) / 10
    expect(learningRateAt(s, 1, 0, 0, 5)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(s, 1, 1, 4, 5)).toBeCloseTo(1, 12);
    expect(learningRateAt(s, 1, 1, 2, 5)).toBeCloseTo(0.8, 12);
    expect(learningRateAt(s, 1, 3, 0, 5)).toBe(1);
  });

  test('invalid schedules throw with the reason', () => {
    expect(() => validateLrSchedule({ schedule: { kind: 'multistep', milestones: [-1] } })).toThrow(/milestones/);
    expect(() => validateLrSchedule({ schedule: { kind: 'cosine', epochs: 0 } })).toThrow(/cosine epochs/);
    expect(() => validateLrSchedule({ schedule: { kind: 'step' } as never })).toThrow(/unknown kind 'step'/);
    expect(() => validateLrSchedule({ schedule: { kind: 'constant' }, warmupEpochs: -1 })).toThrow(/warmupEpochs/);
  });
});
