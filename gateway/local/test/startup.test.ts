import { loadConfig, ConfigError } from '@opsconductor/kit';
import { configSchema } from '../src/config';
import { KongConfigError } from '../src/kong-config/load';
import { createGateway } from '../src/gateway';
import { createLogger } from '@opsconductor/kit';
import { KONG_YML, realConfigText } from './helpers';

const logger = createLogger({ service: 'gateway-local-test', level: 'silent' });

describe('starting the stand-in', () => {
  it('refuses a kong.yml field it does not implement, naming the field', () => {
    const text = realConfigText().replace('strip_path: false', 'strip_path: false\n        hosts: [api.example.com]');
    let error: unknown;
    try {
      createGateway({ configText: text, logger });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KongConfigError);
    expect((error as KongConfigError).problems).toEqual(['services[0].routes[0].hosts: not implemented by the local gateway']);
    expect((error as Error).message).toContain('services[0].routes[0].hosts: not implemented by the local gateway');
  });

  it('refuses to run with spans recorded when kong.yml has no opentelemetry plugin', () => {
    const text = realConfigText();
    const withoutPlugin = text.slice(0, text.indexOf('  # One trace per request'));
    expect(withoutPlugin).not.toContain('name: opentelemetry');
    expect(() => createGateway({ configText: withoutPlugin, logger })).not.toThrow();
    expect(() => createGateway({ configText: withoutPlugin, logger, tracing: true })).toThrow(KongConfigError);
    expect(() => createGateway({ configText: withoutPlugin, logger, tracing: true })).toThrow(/plugins: no opentelemetry plugin, but spans are recorded/);
  });

  it('refuses a missing config file, naming it', () => {
    expect(() => createGateway({ configFile: '/nonexistent/kong.yml', logger })).toThrow(/\/nonexistent\/kong.yml cannot be used/);
  });

  it('reads gateway/kong.yml by default, with the documented ports', () => {
    const config = loadConfig(configSchema, {});
    expect(config.GATEWAY_CONFIG).toBe(KONG_YML);
    expect(config.PORT).toBe(3000);
    expect(config.STATUS_PORT).toBe(8100);
    // The admin API changes routing: loopback only by default, on 8101 (8001 is ai-pipeline's).
    expect(config.ADMIN_PORT).toBe(8101);
    expect(config.ADMIN_HOST).toBe('127.0.0.1');
    expect(config.GATEWAY_TARGET_OVERRIDES.size).toBe(0);
  });

  it('parses GATEWAY_TARGET_OVERRIDES and names the variable when an entry is malformed', () => {
    const config = loadConfig(configSchema, { GATEWAY_TARGET_OVERRIDES: 'automation-service:3003=127.0.0.1:4003, automation-service-canary:3003=127.0.0.1:5003' });
    expect(config.GATEWAY_TARGET_OVERRIDES.get('automation-service-canary:3003')).toEqual({ host: '127.0.0.1', port: 5003 });
    expect(() => loadConfig(configSchema, { GATEWAY_TARGET_OVERRIDES: 'automation-service:3003' })).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, { GATEWAY_TARGET_OVERRIDES: 'automation-service:3003' })).toThrow(/GATEWAY_TARGET_OVERRIDES: bad entry/);
  });
});
