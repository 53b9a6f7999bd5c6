/**
 * One Jest run for the whole workspace. Sources are transformed by swc (TypeScript 6/7
 * type-checking is done by `tsc` separately), and workspace packages resolve to their
 * `src/` through the `@opsconductor/source` export condition, so tests never need a build —
 * except tests/e2e, which starts the built services exactly as `scripts/start` does.
 */
// Packages Jest must transform: ESM-only ones (Node 20's Jest cannot require() them), and
// PGlite, whose CommonJS build loads Node built-ins with import(), which Jest's VM refuses
// without --experimental-vm-modules; swc turns those into require().
const TRANSFORMED = ['cookie', '@electric-sql/pglite'];
const escape = (name) => name.replace(/[.+]/g, '\\$&');
// pnpm keeps a package both as .pnpm/<name with + for />@<version>/ and as node_modules/<name>/.
const TRANSFORMED_PATHS = TRANSFORMED.flatMap((name) => [`\\.pnpm/${escape(name.replace('/', '+'))}@`, `${escape(name)}/`]);
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@opsconductor/source', 'node', 'require', 'default'] },
  transform: { '^.+\\.(ts|js|mjs|cjs)$': swc },
  transformIgnorePatterns: [`/node_modules/(?!${TRANSFORMED_PATHS.join('|')})`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/**/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
  testTimeout: 30000,
};
