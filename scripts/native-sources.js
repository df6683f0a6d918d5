// Lists the CPU addon's sources for binding.gyp and CMakeLists.txt, so that adding a
// kernel file needs no build edit. Usage: node scripts/native-sources.js baseline|avx2|avx512|binding
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const list = (dir) =>
  fs.existsSync(path.join(root, dir))
    ? fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.cc')).sort().map((f) => `${dir}/${f}`)
    : [];

const kind = process.argv[2];
const cpu = list('native/cpu');
const pick = {
  baseline: cpu.filter((f) => !/_avx(2|512)\.cc$/.test(f)),
  avx2: cpu.filter((f) => /_avx2\.cc$/.test(f)),
  avx512: cpu.filter((f) => /_avx512\.cc$/.test(f)),
  binding: list('native/binding'),
}[kind];
if (!pick) {
  console.error(`native-sources: unknown kind '${kind}' (baseline|avx2|avx512|binding)`);
  process.exit(1);
}
process.stdout.write(pick.join(' '));
