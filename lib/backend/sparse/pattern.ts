/**
 * The compressed form of a pruned weight: the surviving entries of a [rows, cols] matrix
 * (a linear weight [out, in], or a conv weight [o, c / groups * kh * kw]) as CSR, plus its
 * transpose as positions into the CSR arrays, built once from the mask. The values array
 * (CSR order) is the layer's parameter: its gradient and optimizer state have nnz entries.
 */

/** Float arrays the sparse kernels accept. */
export type FloatArray = Float32Array | Float64Array;

/** CSR + CSC index arrays of a fixed sparsity pattern (int32). */
export interface SparsePattern {
  readonly rows: number;
  readonly cols: number;
  /** Number of surviving weights. */
  readonly nnz: number;
  /** [rows + 1]: row r's survivors are CSR positions [rowPtr[r], rowPtr[r + 1]). */
  readonly rowPtr: Int32Array;
  /** [nnz]: column of each survivor, ascending within a row. */
  readonly colIdx: Int32Array;
  /** [cols + 1]: column c's survivors are CSC entries [colPtr[c], colPtr[c + 1]). */
  readonly colPtr: Int32Array;
  /** [nnz]: row of each CSC entry, ascending within a column. */
  readonly cscRow: Int32Array;
  /** [nnz]: CSR position (index into values) of each CSC entry. */
  readonly cscPos: Int32Array;
}

function checkDims(fn: string, rows: number, cols: number, len: number): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1)
    throw new RangeError(`${fn}: 'rows' and 'cols' must be positive integers, got ${rows} x ${cols}`);
  if (len !== rows * cols) throw new RangeError(`${fn}: expected ${rows} x ${cols} = ${rows * cols} elements, got ${len}`);
  if (rows * cols >= 2 ** 31) throw new RangeError(`${fn}: ${rows} x ${cols} exceeds the int32 indices of a pattern`);
}

/**
 * The pattern of the nonzero entries of `mask` ([rows, cols] row-major; any value != 0
 * survives). O(rows x cols), done once per layer after pruning.
 * @example const p = patternFromMask(maskOfFc, 4096, 4096)
 */
export function patternFromMask(mask: ArrayLike<number>, rows: number, cols: number): SparsePattern {
  checkDims('patternFromMask', rows, cols, mask.length);
  const rowPtr = new Int32Array(rows + 1);
  const colCount = new Int32Array(cols + 1);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++)
      if (mask[base + c] !== 0) {
        nnz++;
        colCount[c + 1]++;
      }
    rowPtr[r + 1] = nnz;
  }
  const colIdx = new Int32Array(nnz);
  const colPtr = new Int32Array(cols + 1);
  for (let c = 0; c < cols; c++) colPtr[c + 1] = colPtr[c] + colCount[c + 1];
  const cscRow = new Int32Array(nnz);
  const cscPos = new Int32Array(nnz);
  const next = colPtr.slice(0, cols);
  let j = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++)
      if (mask[base + c] !== 0) {
        colIdx[j] = c;
        const q = next[c]++;
        cscRow[q] = r;
        cscPos[q] = j;
        j++;
      }
  }
  return { rows, cols, nnz, rowPtr, colIdx, colPtr, cscRow, cscPos };
}

/** Fraction of surviving weights, nnz / (rows x cols), in [0, 1]. */
export function patternDensity(p: SparsePattern): number {
  return p.nnz / (p.rows * p.cols);
}

/**
 * The surviving values of a dense weight in CSR order (exact copies).
 * @example const values = compressValues(pattern, weight)
 */
export function compressValues(p: SparsePattern, dense: ArrayLike<number>, out?: FloatArray): FloatArray {
  if (dense.length !== p.rows * p.cols)
    throw new RangeError(`compress: weight has ${dense.length} elements, the pattern ${p.rows} x ${p.cols}`);
  const values = out ?? new Float32Array(p.nnz);
  if (values.length !== p.nnz) throw new RangeError(`compress: 'out' has ${values.length} elements, expected nnz = ${p.nnz}`);
  for (let r = 0; r < p.rows; r++)
    for (let j = p.rowPtr[r]; j < p.rowPtr[r + 1]; j++) values[j] = dense[r * p.cols + p.colIdx[j]];
  return values;
}

/**
 * The dense [rows, cols] weight: values at the survivors, exact zeros elsewhere.
 * `decompress(p, compressValues(p, w))` equals `w` masked, bit for bit.
 */
export function decompress(p: SparsePattern, values: ArrayLike<number>, out?: FloatArray): FloatArray {
  if (values.length !== p.nnz) throw new RangeError(`decompress: 'values' has ${values.length} elements, expected nnz = ${p.nnz}`);
  const dense = out ?? new Float32Array(p.rows * p.cols);
  if (dense.length !== p.rows * p.cols) throw new RangeError(`decompress: 'out' has ${dense.length} elements, expected ${p.rows * p.cols}`);
  dense.fill(0);
  scatterValues(p, values, dense);
  return dense;
}

/**
 * dense[r * cols + col(j)] = values[j] for every survivor j of the [rows, cols] weight; the
 * other entries are left as they are (nnz work, for a weight whose pruned entries are 0).
 */
export function scatterValues(p: SparsePattern, values: ArrayLike<number>, dense: FloatArray): void {
  const { rows, cols, rowPtr, colIdx } = p;
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) dense[row + colIdx[j]] = values[j];
  }
}

/** The 0/1 mask of a pattern, [rows, cols]. */
export function patternMask(p: SparsePattern): Float32Array {
  const m = new Float32Array(p.rows * p.cols);
  for (let r = 0; r < p.rows; r++) for (let j = p.rowPtr[r]; j < p.rowPtr[r + 1]; j++) m[r * p.cols + p.colIdx[j]] = 1;
  return m;
}
