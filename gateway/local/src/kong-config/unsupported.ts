/**
 * What the stand-in refuses: fields and values Kong accepts but the local gateway does not
 * implement. Refusing at start (rather than ignoring) keeps local behaviour honest: a
 * kong.yml that starts here behaves here as it does in Kong. Presence is read from the raw
 * file (what the author wrote), values from the parsed config (with Kong's defaults).
 */
import type { DeclarativeConfig } from './entity-schemas';
import { KNOWN_UNMODELLED_COLLECTIONS } from './entity-schemas';
import type { OpenTelemetryConfig } from './plugin-schemas';
import { isModelledPlugin, openTelemetryConfig } from './plugin-schemas';

const NOT_IMPLEMENTED = 'not implemented by the local gateway';

const IMPLEMENTED_FIELDS = {
  service: ['id', 'created_at', 'updated_at', 'name', 'retries', 'protocol', 'host', 'port', 'path', 'connect_timeout', 'write_timeout', 'read_timeout', 'tags', 'enabled', 'routes'],
  route: ['id', 'created_at', 'updated_at', 'name', 'protocols', 'methods', 'paths', 'https_redirect_status_code', 'regex_priority', 'strip_path', 'path_handling', 'preserve_host', 'request_buffering', 'response_buffering', 'tags'],
  upstream: ['id', 'created_at', 'updated_at', 'name', 'algorithm', 'slots', 'tags', 'targets'],
  target: ['id', 'created_at', 'updated_at', 'target', 'weight', 'tags'],
  plugin: ['id', 'created_at', 'updated_at', 'name', 'instance_name', 'config', 'protocols', 'enabled', 'tags'],
} as const;

type Raw = Record<string, unknown>;

export function checkSupported(raw: Raw, config: DeclarativeConfig): string[] {
  const problems: string[] = [];
  const refuse = (field: string, why = NOT_IMPLEMENTED) => problems.push(`${field}: ${why}`);

  if (raw.routes !== undefined) refuse('routes', `top-level routes are ${NOT_IMPLEMENTED}; nest them under their service`);
  if (raw.targets !== undefined) refuse('targets', `top-level targets are ${NOT_IMPLEMENTED}; nest them under their upstream`);
  for (const name of KNOWN_UNMODELLED_COLLECTIONS) if (raw[name] !== undefined) refuse(name);

  for (const [i, service] of (config.services ?? []).entries()) {
    const at = `services[${i}]`;
    const rawService = rawAt(raw.services, i);
    unimplementedFields(rawService, IMPLEMENTED_FIELDS.service, at, refuse);
    if (rawService.plugins !== undefined) refuse(`${at}.plugins`, `plugins scoped to a service are ${NOT_IMPLEMENTED}; declare them at the top level`);
    if (service.protocol !== 'http') refuse(`${at}.protocol`, `'${service.protocol}' is ${NOT_IMPLEMENTED} (only http)`);
    if (!service.enabled) refuse(`${at}.enabled`, `false is ${NOT_IMPLEMENTED}`);

    for (const [j, route] of (service.routes ?? []).entries()) {
      const routeAt = `${at}.routes[${j}]`;
      const rawRoute = rawAt(rawService.routes, j);
      unimplementedFields(rawRoute, IMPLEMENTED_FIELDS.route, routeAt, refuse);
      if (rawRoute.plugins !== undefined) refuse(`${routeAt}.plugins`, `plugins scoped to a route are ${NOT_IMPLEMENTED}; declare them at the top level`);
      if (!route.protocols.includes('http')) refuse(`${routeAt}.protocols`, `routes without 'http' are ${NOT_IMPLEMENTED} (it serves plain http)`);
      for (const [k, p] of (route.paths ?? []).entries()) {
        if (p.startsWith('~')) refuse(`${routeAt}.paths[${k}]`, `regex paths are ${NOT_IMPLEMENTED} (only prefix paths)`);
      }
      if (route.path_handling !== 'v0') refuse(`${routeAt}.path_handling`, `'v1' is ${NOT_IMPLEMENTED}`);
      if (route.preserve_host) refuse(`${routeAt}.preserve_host`, `true is ${NOT_IMPLEMENTED}`);
      if (!route.request_buffering) refuse(`${routeAt}.request_buffering`, `false is ${NOT_IMPLEMENTED} (request bodies are always buffered)`);
      if (rawRoute.response_buffering === true) refuse(`${routeAt}.response_buffering`, `true is ${NOT_IMPLEMENTED} (responses always stream)`);
    }
  }

  for (const [i, upstream] of (config.upstreams ?? []).entries()) {
    const at = `upstreams[${i}]`;
    const rawUpstream = rawAt(raw.upstreams, i);
    unimplementedFields(rawUpstream, IMPLEMENTED_FIELDS.upstream, at, refuse);
    if (upstream.algorithm !== 'round-robin') refuse(`${at}.algorithm`, `'${upstream.algorithm}' is ${NOT_IMPLEMENTED} (only round-robin)`);
    for (const j of (upstream.targets ?? []).keys()) {
      unimplementedFields(rawAt(rawUpstream.targets, j), IMPLEMENTED_FIELDS.target, `${at}.targets[${j}]`, refuse);
    }
  }

  for (const [i, plugin] of (config.plugins ?? []).entries()) {
    if (!plugin.enabled) continue; // a disabled plugin does nothing, here as in Kong
    const at = `plugins[${i}]`;
    unimplementedFields(rawAt(raw.plugins, i), IMPLEMENTED_FIELDS.plugin, at, refuse);
    if (!isModelledPlugin(plugin.name)) {
      refuse(`${at}.name`, `plugin '${plugin.name}' is ${NOT_IMPLEMENTED}`);
      continue;
    }
    const config = (plugin.config ?? {}) as Record<string, unknown>;
    const cfg = `${at}.config`;
    switch (plugin.name) {
      case 'correlation-id':
        if (config.generator === 'tracker') refuse(`${cfg}.generator`, `'tracker' is ${NOT_IMPLEMENTED}`);
        break;
      case 'cors':
        if (config.preflight_continue === true) refuse(`${cfg}.preflight_continue`, `true is ${NOT_IMPLEMENTED}`);
        break;
      case 'request-size-limiting':
        if (config.require_content_length === true) refuse(`${cfg}.require_content_length`, `true is ${NOT_IMPLEMENTED}`);
        break;
      case 'rate-limiting':
        if (config.limit_by !== 'ip') refuse(`${cfg}.limit_by`, `'${String(config.limit_by ?? 'consumer')}' is ${NOT_IMPLEMENTED} (only ip)`);
        if (config.policy === 'redis') refuse(`${cfg}.policy`, `'redis' is ${NOT_IMPLEMENTED} (only local)`);
        for (const key of Object.keys(config)) if (key.startsWith('redis')) refuse(`${cfg}.${key}`);
        break;
      case 'prometheus':
        if (config.ai_metrics === true) refuse(`${cfg}.ai_metrics`, `true is ${NOT_IMPLEMENTED}`);
        break;
      case 'opentelemetry':
        // Kong's checks passed, so this parses; the defaults decide what Kong would do.
        openTelemetryProblems(openTelemetryConfig.parse(config), cfg, refuse);
        break;
    }
  }
  return problems;
}

/**
 * What the stand-in cannot do of the opentelemetry plugin. Its spans come from its own
 * OpenTelemetry SDK (the http and undici instrumentations), which continue a W3C traceparent
 * and send one upstream, record every trace their parent does not rule out, and export where
 * the OTEL_* variables say: so only W3C propagation both ways and sampling_rate 1 are honoured.
 * The export settings (traces_endpoint, headers, resource_attributes, queue, timeouts) belong
 * to Kong's exporter; they are checked above against Kong's schema, not applied here.
 */
function openTelemetryProblems(otel: OpenTelemetryConfig, cfg: string, refuse: (field: string, why?: string) => void): void {
  if (otel.logs_endpoint !== undefined) refuse(`${cfg}.logs_endpoint`, `OTLP logs are ${NOT_IMPLEMENTED}`);
  if (otel.http_response_header_for_traceid !== undefined) refuse(`${cfg}.http_response_header_for_traceid`);
  if (otel.sampling_rate === undefined) {
    refuse(`${cfg}.sampling_rate`, `unset (kong.conf's tracing_sampling_rate decides, 0.01 by default) is ${NOT_IMPLEMENTED}; set 1`);
  } else if (otel.sampling_rate !== 1) {
    refuse(`${cfg}.sampling_rate`, `${otel.sampling_rate} is ${NOT_IMPLEMENTED} (only 1: every trace is recorded)`);
  }

  // `clear` is implemented: those headers are removed from the request sent upstream.
  const { extract, clear, inject, default_format } = otel.propagation;
  const at = `${cfg}.propagation`;
  if (extract === undefined && clear === undefined && inject === undefined) {
    // Kong then falls back to the deprecated header_type, which reads six more formats.
    refuse(at, `unset, so header_type '${otel.header_type}' applies (b3, jaeger, ot, datadog, aws and gcp headers too), which is ${NOT_IMPLEMENTED}; set extract and inject to [w3c]`);
    return;
  }
  if (!extract?.length) refuse(`${at}.extract`, `no extraction (a new trace for every request) is ${NOT_IMPLEMENTED}: it continues a client's W3C traceparent; set [w3c]`);
  for (const [i, format] of (extract ?? []).entries()) {
    if (format !== 'w3c') refuse(`${at}.extract[${i}]`, `'${format}' is ${NOT_IMPLEMENTED} (only w3c)`);
  }
  if (!inject?.length) refuse(`${at}.inject`, `no injection is ${NOT_IMPLEMENTED}: it always sends a W3C traceparent upstream; set [w3c]`);
  for (const [i, format] of (inject ?? []).entries()) {
    if (format !== 'w3c' && format !== 'preserve') refuse(`${at}.inject[${i}]`, `'${format}' is ${NOT_IMPLEMENTED} (only w3c)`);
  }
  // preserve injects the extracted format (w3c here), or default_format when nothing was extracted.
  if (inject?.includes('preserve') && default_format !== 'w3c') {
    refuse(`${at}.default_format`, `'${default_format}' (what preserve injects when no traceparent came in) is ${NOT_IMPLEMENTED} (only w3c)`);
  }
}

function unimplementedFields(raw: Raw, implemented: readonly string[], at: string, refuse: (field: string) => void): void {
  for (const key of Object.keys(raw)) {
    if (!implemented.includes(key) && key !== 'plugins') refuse(`${at}.${key}`);
  }
}

function rawAt(list: unknown, index: number): Raw {
  const item = Array.isArray(list) ? (list[index] as unknown) : undefined;
  return item !== null && typeof item === 'object' ? (item as Raw) : {};
}
