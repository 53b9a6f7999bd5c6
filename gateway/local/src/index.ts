/** Public API of the stand-in, for launchers and tests that run it in-process or check kong.yml. */
export { createAdminApp } from './admin-app';
export type { AdminAppDeps } from './admin-app';
export { createApp } from './app';
export type { AppDeps } from './app';
export { configSchema, DEFAULT_GATEWAY_CONFIG } from './config';
export type { GatewayConfig } from './config';
export { createGateway } from './gateway';
export type { Gateway, GatewayOptions } from './gateway';
export { checkGatewayConfig, checkKongConfig, KongConfigError, loadGatewayConfig, parseGatewayConfig } from './kong-config/load';
export type { GatewayCheckOptions } from './kong-config/load';
export type { GatewayModel } from './kong-config/model';
export { createStatusApp } from './status-app';
export { parseTargetOverrides, TargetAddresses } from './target-addresses';
export { MAX_TARGET_WEIGHT, setTargetWeights, TargetWeightsError } from './target-weights';
