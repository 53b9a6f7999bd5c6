/**
 * One Jest run for the whole workspace. Sources are transformed by swc (TypeScript 6/7
 * type-checking is done by `tsc` separately), and workspace packages resolve to their
 * `src/` through the `@opsconductor/source` export condition, so tests never need a build —
 * except tests/e2e, which starts the built services exactly as `scripts/start` does.
 */
const path = require('node:path');

// Packages Jest must transform: ESM-only ones (Node 20's Jest cannot require() them), and
// PGlite, whose CommonJS build loads Node built-ins with import(), which Jest's VM refuses
// without --experimental-vm-modules; swc turns those into require().
const TRANSFORMED = ['cookie', '@electric-sql/pglite'];
const escape = (name) => name.replace(/[.+]/g, '\\$&');
// pnpm keeps a package both as .pnpm/<name with + for />@<version>/ and as node_modules/<name>/.
const TRANSFORMED_PATHS = TRANSFORMED.flatMap((name) => [`\\.pnpm/${escape(name.replace('/', '+'))}@`, `${escape(name)}/`]);
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

/** Services, gateway stand-in, scripts and the whole-mesh tests: Node, TypeScript through swc. */
const services = {
  displayName: 'services',
  rootDir: __dirname,
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@opsconductor/source', 'node', 'require', 'default'] },
  transform: { '^.+\\.(ts|js|mjs|cjs)$': swc },
  transformIgnorePatterns: [`/node_modules/(?!${TRANSFORMED_PATHS.join('|')})`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/**/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/', '<rootDir>/frontend/'],
};

/**
 * The React app's component tests: jsdom with Node's own fetch, streams and AbortController
 * (jest-fixed-jsdom), so components talk HTTP to a real local server; TSX through swc with the
 * automatic JSX runtime; stylesheets and assets replaced by stubs.
 */
const frontend = {
  displayName: 'frontend',
  rootDir: path.join(__dirname, 'frontend'),
  testEnvironment: 'jest-fixed-jsdom',
  // Workspace packages (@opsconductor/api-types) from their source, as Vite does; Jest adds
  // `require` and `default`. No `browser`: jest-fixed-jsdom opts out of browser bundles.
  testEnvironmentOptions: { customExportConditions: ['@opsconductor/source'] },
  transform: {
    '^.+\\.(ts|tsx|js|mjs|cjs)$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } } }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['tsx', 'ts', 'js', 'json'],
  moduleNameMapper: {
    '\\.css$': '<rootDir>/test/support/style-stub.cjs',
    '\\.(svg|png|jpe?g|gif|webp|ico|woff2?)$': '<rootDir>/test/support/asset-stub.cjs',
  },
  setupFilesAfterEnv: ['<rootDir>/test/support/setup.ts'],
  testMatch: ['<rootDir>/test/**/*.test.{ts,tsx}'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  // A global option: Jest ignores it inside a project (the default 5 s then applies).
  testTimeout: 30000,
  projects: [services, frontend],
};
