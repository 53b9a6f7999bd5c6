/**
 * Cross-entity rules of a declarative config: names unique per entity type (Kong's
 * endpoint keys), one plugin per name and scope (its cache key), targets unique within
 * their upstream, and references that resolve. One rule is ours rather than Kong's: a
 * service's host must name a declared upstream, so every service is balanced, weighted and
 * reported under kong_upstream_target_health (Kong itself would fall back to DNS).
 */
import type { DeclarativeConfig, PluginEntity } from './entity-schemas';

export function checkReferences(config: DeclarativeConfig): string[] {
  const problems: string[] = [];
  const upstreamNames = new Set<string>();
  const serviceNames = new Set<string>();
  const routeNames = new Set<string>();

  for (const [i, upstream] of (config.upstreams ?? []).entries()) {
    if (upstreamNames.has(upstream.name)) problems.push(`upstreams[${i}].name: uniqueness violation: upstream '${upstream.name}' already declared`);
    upstreamNames.add(upstream.name);
    const targets = new Set<string>();
    for (const [j, target] of (upstream.targets ?? []).entries()) {
      if (targets.has(target.target)) {
        problems.push(`upstreams[${i}].targets[${j}].target: uniqueness violation: target '${target.target}' already declared in upstream '${upstream.name}'`);
      }
      targets.add(target.target);
    }
  }

  for (const [i, service] of (config.services ?? []).entries()) {
    const at = `services[${i}]`;
    if (service.name !== undefined) {
      if (serviceNames.has(service.name)) problems.push(`${at}.name: uniqueness violation: service '${service.name}' already declared`);
      serviceNames.add(service.name);
    }
    if (!upstreamNames.has(service.host)) {
      problems.push(`${at}.host: '${service.host}' is not the name of a declared upstream (every service must go through an upstream)`);
    }
    for (const [j, route] of (service.routes ?? []).entries()) {
      if (route.name === undefined) continue;
      if (routeNames.has(route.name)) problems.push(`${at}.routes[${j}].name: uniqueness violation: route '${route.name}' already declared`);
      routeNames.add(route.name);
    }
    problems.push(...duplicatePlugins(service.plugins ?? [], `${at}.plugins`));
    for (const [j, route] of (service.routes ?? []).entries()) {
      problems.push(...duplicatePlugins(route.plugins ?? [], `${at}.routes[${j}].plugins`));
    }
  }

  for (const [i, route] of (config.routes ?? []).entries()) {
    const name = referenceName(route.service);
    if (name === undefined || !serviceNames.has(name)) problems.push(`routes[${i}].service: does not name a declared service`);
  }
  for (const [i, target] of (config.targets ?? []).entries()) {
    const name = referenceName(target.upstream);
    if (name === undefined || !upstreamNames.has(name)) problems.push(`targets[${i}].upstream: does not name a declared upstream`);
  }

  problems.push(...duplicatePlugins((config.plugins ?? []).filter((p) => p.service === undefined && p.route === undefined && p.consumer === undefined), 'plugins'));
  return problems;
}

function duplicatePlugins(plugins: PluginEntity[], at: string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const [i, plugin] of plugins.entries()) {
    if (seen.has(plugin.name)) problems.push(`${at}[${i}].name: uniqueness violation: plugin '${plugin.name}' already declared in this scope`);
    seen.add(plugin.name);
  }
  return problems;
}

/** A foreign key in a declarative file: a name, or `{ name }` / `{ id }`. */
function referenceName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.name === 'string') return record.name;
    if (typeof record.id === 'string') return record.id;
  }
  return undefined;
}
