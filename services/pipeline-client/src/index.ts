export * from './answers';
export * from './client';
export * from './errors';
export * from './circuit-breaker';
