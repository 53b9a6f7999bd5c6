export * from './launcher';
export * from './database';
export * from './dev-key';
export * from './ports';
export * from './prometheus';
export * from './redis';
export * from './service-process';
export * from './wait';
