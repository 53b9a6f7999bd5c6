export * from './launcher';
export * from './ports';
export * from './redis';
export * from './service-process';
export * from './wait';
