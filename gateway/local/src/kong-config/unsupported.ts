/**
 * What the stand-in refuses: fields and values Kong accepts but the local gateway does not
 * implement. Refusing at start (rather than ignoring) keeps local behaviour honest: a
 * kong.yml that starts here behaves here as it does in Kong. Presence is read from the raw
 * file (what the author wrote), values from the parsed config (with Kong's defaults).
 */
import type { DeclarativeConfig } from './entity-schemas';
import { KNOWN_UNMODELLED_COLLECTIONS } from './entity-schemas';
import { isModelledPlugin } from './plugin-schemas';

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
    }
  }
  return problems;
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
