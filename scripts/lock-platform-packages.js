#!/usr/bin/env node
'use strict';
// Records in package-lock.json the optional platform packages of unrs-resolver (jest's
// resolver) that npm leaves out when the registry lacks their exact version (npm/cli#8320);
// `npm ci` then rejects the lock as out of sync. Each added entry carries os/cpu (from the
// package name), so npm skips it on every other platform and never fetches it. Idempotent:
// only missing entries are added. .ci/run runs it before `npm ci`, since a later
// `npm install` may drop the entries again. Usage: node scripts/lock-platform-packages.js [lockfile]
const fs = require('fs');
const path = require('path');
const file = process.argv[2] || path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const parent = lock.packages['node_modules/unrs-resolver'];
if (!parent || !parent.optionalDependencies) process.exit(0);
const platform = {
  'android-arm-eabi': ['android', 'arm'], 'android-arm64': ['android', 'arm64'], 'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'], 'freebsd-x64': ['freebsd', 'x64'], 'linux-arm-gnueabihf': ['linux', 'arm', 'glibc'],
  'linux-arm-musleabihf': ['linux', 'arm', 'musl'], 'linux-arm64-gnu': ['linux', 'arm64', 'glibc'], 'linux-arm64-musl': ['linux', 'arm64', 'musl'],
  'linux-loong64-gnu': ['linux', 'loong64', 'glibc'], 'linux-loong64-musl': ['linux', 'loong64', 'musl'], 'linux-ppc64-gnu': ['linux', 'ppc64', 'glibc'],
  'linux-riscv64-gnu': ['linux', 'riscv64', 'glibc'], 'linux-riscv64-musl': ['linux', 'riscv64', 'musl'], 'linux-s390x-gnu': ['linux', 's390x', 'glibc'],
  'linux-x64-gnu': ['linux', 'x64', 'glibc'], 'linux-x64-musl': ['linux', 'x64', 'musl'], 'openharmony-arm64': ['openharmony', 'arm64'],
  'win32-arm64-msvc': ['win32', 'arm64'], 'win32-ia32-msvc': ['win32', 'ia32'], 'win32-x64-msvc': ['win32', 'x64'],
};
const added = [];
for (const [name, version] of Object.entries(parent.optionalDependencies)) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const p = platform[name.replace('@unrs/resolver-binding-', '')];
  if (!p) throw new Error(`unknown platform package ${name}`);
  const entry = { version, cpu: [p[1]], dev: true };
  if (p[2]) entry.libc = [p[2]];
  entry.license = 'MIT';
  entry.optional = true;
  entry.os = [p[0]];
  lock.packages[key] = entry;
  added.push(name);
}
if (!added.length) process.exit(0);
const keys = Object.keys(lock.packages).filter((k) => k !== '').sort((a, b) => a.localeCompare(b, 'en'));
lock.packages = Object.fromEntries([['', lock.packages['']], ...keys.map((k) => [k, lock.packages[k]])]);
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platform-packages: recorded ${added.length} optional platform packages in ${path.basename(file)}`);
