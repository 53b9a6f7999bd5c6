import { checkGatewayConfig, checkKongConfig } from '../src/kong-config/load';
import { realConfigText } from './helpers';

/** The real kong.yml with one edit; the edit must be found, so a typo here cannot pass silently. */
function edited(find: string, replace: string): string {
  const text = realConfigText();
  if (!text.includes(find)) throw new Error(`kong.yml no longer contains ${JSON.stringify(find)}`);
  return text.replace(find, replace);
}

describe("gateway/kong.yml against Kong 3.9's rules", () => {
  it('passes every rule, and everything in it is implemented by the stand-in', () => {
    expect(checkKongConfig(realConfigText()).errors).toEqual([]);
    expect(checkGatewayConfig(realConfigText()).problems).toEqual([]);
  });

  it.each([
    ['a lower-case method', 'methods: [GET, POST, OPTIONS]', 'methods: [get, POST, OPTIONS]', 'services[0].routes[0].methods[0]: invalid value'],
    ['a path without a leading /', 'paths: ["/ai/execute",', 'paths: ["ai/execute",', 'services[0].routes[0].paths[0]: should start with: / (fixed path) or ~/ (regex path)'],
    ['a target weight above 65535', 'weight: 100\n', 'weight: 70000\n', 'upstreams[0].targets[0].weight: value should be between 0 and 65535'],
    ['a read timeout of 0', 'read_timeout: 35000', 'read_timeout: 0', 'services[0].read_timeout: value should be between 1 and 2147483646'],
    ['retries above 32767', 'retries: 2', 'retries: 40000', 'services[0].retries: value should be between 0 and 32767'],
    ['an unknown plugin', '- name: cors', '- name: corz', "plugins[1].name: plugin 'corz' not enabled"],
    ['an unknown field', 'retries: 2', 'retries: 2\n    retry_backoff: 3', 'services[0].retry_backoff: unknown field'],
    ['an unknown plugin config field', 'echo_downstream: true', 'echo_downstream: true\n      echo_upstream: true', 'plugins[0].config.echo_upstream: unknown field'],
    ['a dangling service host', 'host: automation-service-upstream', 'host: automation-service-upstreem', "services[0].host: 'automation-service-upstreem' is not the name of a declared upstream"],
    ['a bad enum value', 'generator: uuid', 'generator: uuid4', 'plugins[0].config.generator: expected one of: uuid, uuid#counter, tracker'],
    ['the cluster policy (needs a database)', 'policy: local', 'policy: cluster', 'plugins[3].config.policy: expected one of: local, redis'],
    ['a minute limit below the second limit', 'minute: 3000', 'minute: 50', 'plugins[3].config.minute: The limit for minute(50) cannot be lower than the limit for second(100)'],
    ['a bad size unit', 'size_unit: megabytes', 'size_unit: mb', 'plugins[2].config.size_unit: expected one of: megabytes, kilobytes, bytes'],
    ['a name with a space', 'name: automation-ai', 'name: automation ai', 'services[0].routes[0].name: invalid value'],
    ['an upstream named by IP', 'name: automation-service-upstream', 'name: 10.0.0.1', 'upstreams[0].name: Invalid name; no ip addresses allowed'],
    ['a CORS method Kong does not know', 'methods: [GET, POST, OPTIONS]\n      headers', 'methods: [GET, FETCH]\n      headers', 'plugins[1].config.methods[1]: expected one of'],
    ['another _format_version', '_format_version: "3.0"', '_format_version: "2.1"', '_format_version: expected "3.0"'],
  ])('refuses %s, naming the field', (_what, find, replace, expected) => {
    const { errors } = checkKongConfig(edited(find, replace));
    expect(errors.some((e) => e.startsWith(expected))).toBe(true);
  });

  it('refuses YAML with a duplicated key', () => {
    const { errors } = checkKongConfig(edited('retries: 2', 'retries: 2\n    retries: 3'));
    expect(errors[0]).toMatch(/^YAML: .*unique/i);
  });

  it('accepts a redis policy only in the nested redis block of Kong 3.6+', () => {
    const redis = edited('policy: local', 'policy: redis\n      redis:\n        host: redis\n        port: 6379');
    expect(checkKongConfig(redis).errors).toEqual([]);
    const flatOnly = edited('policy: local', 'policy: redis');
    expect(checkKongConfig(flatOnly).errors).toContain('plugins[3].config.redis.host: required field missing');
  });
});

describe('what the stand-in refuses although Kong accepts it', () => {
  it.each([
    ['route hosts', 'strip_path: false', 'strip_path: false\n        hosts: [api.example.com]', 'services[0].routes[0].hosts: not implemented by the local gateway'],
    ['regex paths', 'paths: ["/ai/execute",', 'paths: ["~/ai/[a-z]+",', 'services[0].routes[0].paths[0]: regex paths are not implemented by the local gateway'],
    ['the redis policy', 'policy: local', 'policy: redis\n      redis:\n        host: redis\n        port: 6379', "plugins[3].config.policy: 'redis' is not implemented by the local gateway"],
    ['a bundled plugin it lacks', '- name: cors', '- name: key-auth', "plugins[1].name: plugin 'key-auth' is not implemented by the local gateway"],
    ['another balancing algorithm', 'algorithm: round-robin', 'algorithm: least-connections', "upstreams[0].algorithm: 'least-connections' is not implemented"],
    ['health checks', 'algorithm: round-robin', 'algorithm: round-robin\n    healthchecks: {}', 'upstreams[0].healthchecks: not implemented by the local gateway'],
    ['buffered responses', 'response_buffering: false', 'response_buffering: true', 'services[0].routes[0].response_buffering: true is not implemented'],
  ])('refuses %s, naming the field', (_what, find, replace, expected) => {
    const text = edited(find, replace);
    expect(checkKongConfig(text).errors).toEqual([]);
    expect(checkGatewayConfig(text).problems.some((p) => p.startsWith(expected))).toBe(true);
  });
});
