import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkResults, readResultsFile, ResultsFormatError } from '../../../lib/experiments/report/load';
import { RESULTS_FORMAT, targetFromCompression, targetFromDensity } from '../../../lib/experiments/results';
import * as fx from './fixtures';

describe('results documents', () => {
  test('targets agree in all three words', () => {
    const t = targetFromCompression(2);
    expect(t.density).toBeCloseTo(0.01, 15);
    expect(t.sparsity).toBeCloseTo(0.99, 15);
    expect(targetFromDensity(1)).toEqual({ density: 1, sparsity: 0, compression: 0 });
    expect(targetFromDensity(0.001).compression).toBeCloseTo(3, 12);
    expect(() => targetFromDensity(0)).toThrow(RangeError);
    expect(() => targetFromCompression(-1)).toThrow(RangeError);
    expect(() => targetFromCompression(Infinity)).toThrow(RangeError);
  });

  test('fixtures survive JSON unchanged and pass the check', () => {
    for (const doc of [fx.singleshot(), fx.collapse(), fx.conservation(), fx.trainResults()]) {
      const back = JSON.parse(JSON.stringify(doc));
      expect(back).toEqual(doc);
      expect(checkResults(back).kind).toBe(doc.kind);
    }
  });

  test.each([
    [null, /not a JSON object/],
    [{ format: 'other' }, /not a prune-at-init results file/],
    [{ format: RESULTS_FORMAT, version: 99 }, /newer/],
    [{ format: RESULTS_FORMAT, version: 1, kind: 'nope' }, /unknown kind/],
    [{ format: RESULTS_FORMAT, version: 1, kind: 'collapse', model: { name: 'x' } }, /needs an array "layers"/],
    [{ format: RESULTS_FORMAT, version: 1, kind: 'prune' }, /model.name/],
  ])('rejects %j', (doc, err) => {
    expect(() => checkResults(doc, 'f.json')).toThrow(ResultsFormatError);
    expect(() => checkResults(doc, 'f.json')).toThrow(err);
  });

  test('reads results.json from a directory and names the file on errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-load-'));
    fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(fx.collapse()));
    expect(readResultsFile(dir).kind).toBe('collapse');
    fs.writeFileSync(path.join(dir, 'bad.json'), '{ nope');
    expect(() => readResultsFile(path.join(dir, 'bad.json'))).toThrow(/bad.json: not valid JSON/);
    expect(() => readResultsFile(path.join(dir, 'missing.json'))).toThrow(/missing.json: no such file/);
    fs.rmSync(dir, { recursive: true });
  });
});
