import type { RunHooks } from './config';
import { collapse } from './collapse';
import { conservation } from './conservation';
import { pruneState, trainState } from './model-calls';
import { multishot } from './multishot';
import { runPrune } from './run-prune';
import { runTrain } from './run-train';
import { sanity } from './sanity';
import { singleshot } from './singleshot';

/** What a worker can run: the experiment functions, and prune/train of a model sent as state. */
export const WORKER_FUNCTIONS = {
  runPrune,
  runTrain,
  singleshot,
  multishot,
  collapse,
  conservation,
  sanity,
  pruneState,
  trainState,
} as const satisfies Record<string, (config: never, hooks: RunHooks) => Promise<unknown>>;

/** Names of the functions a worker can run. */
export type WorkerFunctionName = keyof typeof WORKER_FUNCTIONS;
