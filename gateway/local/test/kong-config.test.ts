import { checkGatewayConfig, checkKongConfig, parseGatewayConfig } from '../src/kong-config/load';
import { openTelemetryConfig } from '../src/kong-config/plugin-schemas';
import { realConfigText } from './helpers';

/** `text` with one edit; the edit must be found, so a typo here cannot pass silently. */
function replaced(text: string, find: string, replace: string): string {
  if (!text.includes(find)) throw new Error(`kong.yml no longer contains ${JSON.stringify(find)}`);
  return text.replace(find, replace);
}

/** The real kong.yml with one edit. */
const edited = (find: string, replace: string): string => replaced(realConfigText(), find, replace);

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
    ['an opentelemetry plugin with no endpoint', '      traces_endpoint: http://jaeger:4318/v1/traces\n', '', 'plugins[5].config: at least one of these fields must be non-empty: traces_endpoint, logs_endpoint'],
    ['a traces endpoint without a scheme and host', 'traces_endpoint: http://jaeger:4318/v1/traces', 'traces_endpoint: jaeger:4318/v1/traces', 'plugins[5].config.traces_endpoint: missing host in url'],
    ['a sampling rate above 1', 'sampling_rate: 1.0', 'sampling_rate: 1.5', 'plugins[5].config.sampling_rate: value should be between 0 and 1'],
    ['an unknown extraction format', 'extract: [w3c]', 'extract: [w3c, zipkin]', 'plugins[5].config.propagation.extract[1]: expected one of: w3c, b3, jaeger, ot, datadog, aws, gcp'],
    ['b3-single as an extractor (b3 reads both)', 'extract: [w3c]', 'extract: [b3-single]', 'plugins[5].config.propagation.extract[0]: expected one of'],
    ['propagation without its default_format', '        default_format: w3c\n', '', 'plugins[5].config.propagation.default_format: required field missing'],
    ['an empty resource attribute', 'service.name: kong', 'service.name: ""', 'plugins[5].config.resource_attributes.service.name: required field missing'],
    ['a queue concurrency limit other than -1 or 1', 'sampling_rate: 1.0', 'sampling_rate: 1.0\n      queue:\n        concurrency_limit: 2', 'plugins[5].config.queue.concurrency_limit: expected one of: -1, 1'],
    ['an unknown opentelemetry field', 'sampling_rate: 1.0', 'sampling_rate: 1.0\n      sample_rate: 1', 'plugins[5].config.sample_rate: unknown field'],
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

describe('the opentelemetry plugin config', () => {
  it("is read from kong.yml with Kong 3.9's defaults for what it leaves out", () => {
    expect(parseGatewayConfig(realConfigText(), 'kong.yml').plugins.openTelemetry).toEqual({
      traces_endpoint: 'http://jaeger:4318/v1/traces',
      resource_attributes: { 'service.name': 'kong' },
      queue: { max_batch_size: 200, max_coalescing_delay: 1, max_entries: 10000, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1 },
      connect_timeout: 1000,
      send_timeout: 5000,
      read_timeout: 5000,
      header_type: 'preserve',
      sampling_rate: 1,
      propagation: { extract: ['w3c'], inject: ['w3c'], default_format: 'w3c' },
    });
  });

  it('defaults a missing propagation to default_format w3c, and a missing queue (only) to batches of 200', () => {
    const minimal = openTelemetryConfig.parse({ traces_endpoint: 'http://collector:4318/v1/traces' });
    expect(minimal.propagation).toEqual({ default_format: 'w3c' });
    expect(minimal.queue.max_batch_size).toBe(200);
    expect(minimal.sampling_rate).toBeUndefined();
    expect(openTelemetryConfig.parse({ traces_endpoint: 'http://collector:4318/v1/traces', queue: { max_entries: 5 } }).queue).toMatchObject({ max_batch_size: 1, max_entries: 5 });
  });

  it('takes the deprecated endpoint as traces_endpoint', () => {
    expect(openTelemetryConfig.parse({ endpoint: 'http://collector:4318/v1/traces' })).toMatchObject({ traces_endpoint: 'http://collector:4318/v1/traces' });
    expect(openTelemetryConfig.parse({ endpoint: 'http://collector:4318/v1/traces' })).not.toHaveProperty('endpoint');
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
    ['extracting another trace format', 'extract: [w3c]', 'extract: [w3c, b3]', "plugins[5].config.propagation.extract[1]: 'b3' is not implemented"],
    ['injecting another trace format', 'inject: [w3c]', 'inject: [w3c, datadog]', "plugins[5].config.propagation.inject[1]: 'datadog' is not implemented"],
    ['no extraction', 'extract: [w3c]', 'extract: []', 'plugins[5].config.propagation.extract: no extraction'],
    ['no injection', '        inject: [w3c]\n', '', 'plugins[5].config.propagation.inject: no injection'],
    ['preserve falling back to b3', 'inject: [w3c]\n        default_format: w3c', 'inject: [preserve]\n        default_format: b3', "plugins[5].config.propagation.default_format: 'b3'"],
    ['the header_type fallback of an unset propagation', 'sampling_rate: 1.0\n      propagation:\n        extract: [w3c]\n        inject: [w3c]\n        default_format: w3c', 'sampling_rate: 1.0', "plugins[5].config.propagation: unset, so header_type 'preserve' applies"],
    ['sampling part of the traces', 'sampling_rate: 1.0', 'sampling_rate: 0.5', 'plugins[5].config.sampling_rate: 0.5 is not implemented'],
    ["kong.conf's sampling rate", '      sampling_rate: 1.0\n', '', 'plugins[5].config.sampling_rate: unset'],
    ['OTLP logs', 'sampling_rate: 1.0', 'sampling_rate: 1.0\n      logs_endpoint: http://collector:4318/v1/logs', 'plugins[5].config.logs_endpoint: OTLP logs are not implemented'],
    ['a trace id response header', 'sampling_rate: 1.0', 'sampling_rate: 1.0\n      http_response_header_for_traceid: X-Kong-Trace', 'plugins[5].config.http_response_header_for_traceid: not implemented'],
  ])('refuses %s, naming the field', (_what, find, replace, expected) => {
    const text = edited(find, replace);
    expect(checkKongConfig(text).errors).toEqual([]);
    expect(checkGatewayConfig(text).problems.some((p) => p.startsWith(expected))).toBe(true);
  });
});

describe('tracing in the process and the opentelemetry plugin', () => {
  const withoutPlugin = (): string => {
    const text = realConfigText();
    const at = text.indexOf('  # One trace per request');
    if (at === -1 || !text.slice(at).includes('- name: opentelemetry')) throw new Error('kong.yml no longer ends with the opentelemetry plugin');
    return text.slice(0, at);
  };

  it('accepts what W3C propagation covers: preserve with a w3c default, and headers to clear', () => {
    const text = replaced(edited('inject: [w3c]', 'inject: [preserve]'), 'extract: [w3c]', 'extract: [w3c]\n        clear: [x-b3-traceid]');
    expect(checkGatewayConfig(text, { tracing: true }).problems).toEqual([]);
  });

  it('refuses to record spans with a kong.yml that has no opentelemetry plugin (Kong would record none)', () => {
    expect(checkGatewayConfig(withoutPlugin()).problems).toEqual([]);
    expect(checkGatewayConfig(realConfigText(), { tracing: true }).problems).toEqual([]);
    const { problems } = checkGatewayConfig(withoutPlugin(), { tracing: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^plugins: no opentelemetry plugin, but spans are recorded in this process/);
    const disabled = edited('  - name: opentelemetry\n', '  - name: opentelemetry\n    enabled: false\n');
    expect(checkGatewayConfig(disabled, { tracing: true }).problems).toEqual(problems);
  });
});
