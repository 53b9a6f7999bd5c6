export * from './database';
export * from './migrate';
export * from './api-keys';
