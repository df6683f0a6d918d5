/** Backend selection: PAI_BACKEND, setBackend, the cpu default, and errors that name the fix. */
import { loadNative } from '../../lib/backend/native-loader';

type BackendModule = typeof import('../../lib/backend');

function freshBackendModule(env: string | undefined): BackendModule {
  const prev = process.env.PAI_BACKEND;
  if (env === undefined) delete process.env.PAI_BACKEND;
  else process.env.PAI_BACKEND = env;
  let mod!: BackendModule;
  jest.isolateModules(() => {
    mod = require('../../lib/backend');
  });
  // getBackend reads the variable lazily: resolve now, then restore it.
  try {
    mod.getBackend();
  } catch {
    /* the caller checks the error itself */
  }
  if (prev === undefined) delete process.env.PAI_BACKEND;
  else process.env.PAI_BACKEND = prev;
  return mod;
}

test('PAI_BACKEND=reference selects the reference backend', () => {
  expect(freshBackendModule('reference').getBackend().name).toBe('reference');
});

test('without PAI_BACKEND the default is cpu when the addon loads', () => {
  const mod = freshBackendModule(undefined);
  expect(mod.getBackend().name).toBe(loadNative().addon ? 'cpu' : 'reference');
  const info = mod.backendInfo();
  expect(info.backend).toBe(mod.getBackend().name);
  expect(info.nativeError === null).toBe(loadNative().addon !== null);
});

test('an unknown PAI_BACKEND names the valid values', () => {
  const prev = process.env.PAI_BACKEND;
  process.env.PAI_BACKEND = 'tpu';
  let mod!: BackendModule;
  jest.isolateModules(() => {
    mod = require('../../lib/backend');
  });
  expect(() => mod.getBackend()).toThrow(/PAI_BACKEND='tpu' is not a backend\. Fix: set PAI_BACKEND to reference, cpu or cuda/);
  if (prev === undefined) delete process.env.PAI_BACKEND;
  else process.env.PAI_BACKEND = prev;
});

test('setBackend switches, and an unavailable backend throws with its cause and fix', () => {
  const mod = freshBackendModule('reference');
  expect(mod.setBackend('reference').name).toBe('reference');
  expect(() => mod.setBackend('gpu' as never)).toThrow(/unknown backend 'gpu'. Fix: use 'reference', 'cpu' or 'cuda'/);
  if (!mod.isBackendAvailable('cuda')) {
    // The message comes from the CUDA loader (no driver, no device or no addon): it names
    // CUDA, the cause, and the way out (the cpu backend or a CUDA build).
    let message = '';
    try {
      mod.setBackend('cuda');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/cuda/i);
    expect(message).toMatch(/Fix:|PAI_BACKEND=cpu/);
  }
  expect(mod.getBackend().name).toBe('reference');
});

test('registerBackend installs a backend factory (how a CUDA backend plugs in)', () => {
  const mod = freshBackendModule('reference');
  const { ReferenceBackend } = require('../../lib/backend/reference') as typeof import('../../lib/backend/reference');
  const stand = new ReferenceBackend();
  mod.registerBackend('cuda', () => stand);
  expect(mod.backendByName('cuda')).toBe(stand);
  expect(mod.isBackendAvailable('cuda')).toBe(true);
});
