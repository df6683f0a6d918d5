// The packed tarball installs with --ignore-scripts, without a compiler, and loads the
// prebuilt CPU addon (scripts/check-tarball.sh). It rebuilds and packs the package, so it
// runs only when PAI_TEST_PACKAGE=1 (CI runs the script directly after the tests).
import { spawnSync } from 'child_process';
import * as path from 'path';

const enabled = process.env.PAI_TEST_PACKAGE === '1';

(enabled ? test : test.skip)('the tarball installs and loads the prebuilt addon without a compiler', () => {
  const script = path.join(__dirname, '..', '..', 'scripts', 'check-tarball.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 20 * 60 * 1000 });
  if (r.status !== 0) throw new Error(`check-tarball.sh failed (${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  expect(r.stdout).toMatch(/check-tarball: OK/);
}, 20 * 60 * 1000);
