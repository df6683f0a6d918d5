/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  // Transpile only (each file on its own, no type check: `tsc --noEmit` does that). ts-jest
  // reads tsconfig.json and takes isolatedModules from these overrides, which is the
  // supported spelling of its deprecated `isolatedModules` option.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
  testTimeout: 120000,
  maxWorkers: 2,
};
