export * from './database';
export * from './migrate';
export * from './api-keys';
export * from './audit-params';
export * from './audit-writer';
export * from './key-resolver';
export * from './audit-query';
export * from './workspace-settings';
