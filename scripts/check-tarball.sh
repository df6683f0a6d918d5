#!/usr/bin/env bash
# Proves what a user without a compiler gets: builds the TypeScript and the prebuilt CPU
# addon, packs the tarball, installs it with --ignore-scripts into an empty project, and,
# with PATH reduced to node, npm, npx and sh (which npx runs commands through) -- no cc,
# c++, g++, make, python3 -- checks that
# require() and import() work and that `pai info --json` reports the CPU backend loaded
# from prebuilds/. SKIP_BUILD=1 reuses dist/ and prebuilds/ as they are.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n== check-tarball: %s\n' "$*"; }
fail() { printf 'check-tarball: FAIL: %s\n' "$*" >&2; exit 1; }

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  step "build TypeScript (dist/) and the prebuilt addon (prebuilds/)"
  npm run --silent build:ts
  rm -rf prebuilds
  npm run --silent prebuild
fi
shopt -s nullglob
prebuilt=(prebuilds/linux-x64/*.node)
(( ${#prebuilt[@]} > 0 )) || fail "no prebuilds/linux-x64/*.node (run npm run prebuild)"

work="$(mktemp -d "${TMPDIR:-/tmp}/pai-tarball.XXXXXX")"
trap 'rm -rf "$work"' EXIT

step "npm pack"
tgz="$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -n 1)"
[[ -f "$work/$tgz" ]] || fail "npm pack wrote no tarball"
listing="$(tar -tzf "$work/$tgz")"
for want in 'package/prebuilds/linux-x64/.*\.node' 'package/dist/cjs/index\.js' 'package/dist/cjs/index\.d\.ts' \
            'package/dist/esm/index\.mjs' 'package/bin/pai\.js' 'package/package\.json'; do
  grep -qE "^${want}\$" <<<"$listing" || fail "the tarball lacks ${want}"
done
if grep -qE '^package/(build|build-[^/]*|node_modules|test)/' <<<"$listing"; then
  fail "the tarball contains build output or tests"
fi
echo "$tgz: $(wc -l <<<"$listing") files, $(du -h "$work/$tgz" | cut -f1)"

step "a PATH with node, npm, npx and sh only"
mkdir -p "$work/bin"
for tool in node npm npx sh; do
  src="$(command -v "$tool")" || fail "$tool is not on PATH"
  ln -s "$(readlink -f "$src")" "$work/bin/$tool"
done
for tool in cc c++ gcc g++ make python3 python cmake; do
  PATH="$work/bin" command -v "$tool" >/dev/null 2>&1 && fail "$tool is still reachable"
done

step "npm install --ignore-scripts into an empty project"
mkdir -p "$work/app"
cd "$work/app"
printf '{ "name": "pai-tarball-check", "version": "1.0.0", "private": true }\n' > package.json
# nodedir (a build setting some machines keep in ~/.npmrc) must not matter here: nothing builds.
PATH="$work/bin" npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$work/$tgz"
[[ ! -d node_modules/prune-at-init/build ]] || fail "something was built at install time"

step "require, import and pai info with no compiler on PATH"
(
export PATH="$work/bin"
unset PAI_ADDON_PATH PAI_BACKEND PAI_ISA PAI_NUM_THREADS
node -e "
  const pai = require('prune-at-init');
  if (typeof pai.getBackend !== 'function') throw new Error('require: no getBackend export');
  console.log('require ok:', Object.keys(pai).length, 'exports');
"
node --input-type=module -e "
  const pai = await import('prune-at-init');
  if (typeof pai.getBackend !== 'function') throw new Error('import: no getBackend export');
  const cjs = (await import('node:module')).createRequire(import.meta.url)('prune-at-init');
  if (pai.getBackend !== cjs.getBackend) throw new Error('import and require give different instances');
  console.log('import ok:', Object.keys(pai).length, 'exports');
"
npx --no-install pai info --json > info.json
node -e "
  const info = JSON.parse(require('fs').readFileSync('info.json', 'utf8'));
  // backendInfo() shape ({ backends: { cpu } }) or the CLI's ({ backends: [...], native }).
  const b = info.backends || {};
  const cpu = Array.isArray(b) ? b.find((x) => x.name === 'cpu') : b.cpu;
  const loaded = cpu && (cpu.loaded === true || cpu.available === true);
  const file = (cpu && cpu.path) || (info.native && info.native.path) || '';
  if (!loaded) throw new Error('cpu backend not loaded: ' + JSON.stringify(info));
  if (!/[\\/]prebuilds[\\/]linux-x64[\\/][^\\/]+[.]node$/.test(file)) throw new Error('cpu backend not from prebuilds: ' + file);
  console.log('pai info --json ok: cpu backend loaded from', file);
"
npx --no-install pai info
)
printf '\ncheck-tarball: OK\n'
