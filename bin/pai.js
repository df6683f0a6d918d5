#!/usr/bin/env node
'use strict';
// The `pai` command. The CLI is compiled to dist/cjs by `npm run build:ts`.
let cli;
try {
  cli = require('../dist/cjs/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cjs/cli/main.js')) {
    process.stderr.write("pai: error: the compiled CLI is missing (dist/cjs/cli/main.js)\n  hint: run 'npm run build:ts' in the prune-at-init checkout\n");
    process.exit(2);
  }
  throw e;
}
cli.run();
