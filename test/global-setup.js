// Runs once in jest's parent process, before the workers start, so that the workers and
// every process they spawn (experiment workers, the CLI) inherit it: tests measure sparse
// crossovers into a fresh cache of their own, never the user's.
const os = require('os');
const path = require('path');
const fs = require('fs');

module.exports = async () => {
  if (!process.env.PAI_CACHE_DIR) process.env.PAI_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-test-cache-'));
};
