/**
 * One Jest run for the whole workspace. Sources are transformed by swc (TypeScript 6/7
 * type-checking is done by `tsc` separately), and workspace packages resolve to their
 * `src/` through the `@opsconductor/source` export condition, so tests never need a build —
 * except tests/e2e, which starts the built services exactly as `scripts/start` does.
 */
// ESM-only packages in the dependency tree; Node 20's Jest cannot require() them untransformed.
const ESM_ONLY = ['cookie'];
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@opsconductor/source', 'node', 'require', 'default'] },
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: [`/node_modules/(?!\\.pnpm/(${ESM_ONLY.join('|')})@|(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/**/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
  testTimeout: 30000,
};
