import * as fs from 'fs';
import * as path from 'path';
import { Results, RESULTS_FORMAT, RESULTS_KINDS, RESULTS_VERSION, ResultsKind } from '../results';

/** A file that is not a results document this version can draw; the message says what is wrong. */
export class ResultsFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ResultsFormatError';
  }
}

/** The array fields each kind must carry for the figures. */
const REQUIRED_ARRAYS: Record<ResultsKind, string[]> = {
  prune: [],
  train: [],
  singleshot: ['runs'],
  multishot: ['runs'],
  collapse: ['layers', 'sweeps', 'compressions'],
  conservation: ['entries'],
  sanity: ['runs'],
};

const REQUIRED_OBJECTS: Record<ResultsKind, string[]> = {
  prune: ['prune', 'settings'],
  train: ['train', 'settings'],
  singleshot: ['pruneSettings', 'trainSettings'],
  multishot: ['pruneSettings', 'trainSettings'],
  collapse: ['pruneSettings'],
  conservation: [],
  sanity: ['pruneSettings', 'trainSettings'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the header and the fields the figures read; returns the document typed, or throws ResultsFormatError. */
export function checkResults(doc: unknown, file = 'results'): Results {
  if (!isObject(doc)) throw new ResultsFormatError(file, 'not a JSON object');
  if (doc.format !== RESULTS_FORMAT) throw new ResultsFormatError(file, `not a prune-at-init results file (format is ${JSON.stringify(doc.format)}, expected "${RESULTS_FORMAT}")`);
  if (typeof doc.version !== 'number' || doc.version > RESULTS_VERSION) {
    throw new ResultsFormatError(file, `results version ${String(doc.version)} is newer than this prune-at-init understands (${RESULTS_VERSION}); upgrade prune-at-init`);
  }
  const kind = doc.kind as ResultsKind;
  if (!RESULTS_KINDS.includes(kind)) throw new ResultsFormatError(file, `unknown kind ${JSON.stringify(doc.kind)} (known: ${RESULTS_KINDS.join(', ')})`);
  if (!isObject(doc.model) || typeof doc.model.name !== 'string') throw new ResultsFormatError(file, 'missing "model.name"');
  for (const key of REQUIRED_ARRAYS[kind]) if (!Array.isArray(doc[key])) throw new ResultsFormatError(file, `a ${kind} document needs an array "${key}"`);
  for (const key of REQUIRED_OBJECTS[kind]) if (!isObject(doc[key])) throw new ResultsFormatError(file, `a ${kind} document needs an object "${key}"`);
  return doc as unknown as Results;
}

/** Reads results.json from a file, or from a directory that holds one. */
export function readResultsFile(fileOrDir: string): Results {
  let file = fileOrDir;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'results.json');
  let textContent: string;
  try {
    textContent = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ResultsFormatError(file, code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(textContent);
  } catch (e) {
    throw new ResultsFormatError(file, `not valid JSON (${(e as Error).message})`);
  }
  return checkResults(doc, file);
}
