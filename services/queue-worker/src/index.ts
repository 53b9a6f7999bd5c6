export * from './metrics';
export * from './run-job';
export * from './wake';
export * from './worker';
export * from './worker-store';
export * from './job-store-adapter';
export * from './store-messages';
export * from './job-audit';
