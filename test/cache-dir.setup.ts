import * as os from 'os';
import * as path from 'path';

// Tests measure sparse crossovers into a fresh per-process cache, never the user's.
process.env.PAI_CACHE_DIR ??= path.join(os.tmpdir(), `pai-test-cache-${process.pid}`);
