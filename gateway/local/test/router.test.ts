import { parseGatewayConfig } from '../src/kong-config/load';
import type { RouteModel, ServiceModel } from '../src/kong-config/model';
import { Router, upstreamPath } from '../src/router';
import { realConfigText } from './helpers';

function service(label: string, routes: Array<Partial<RouteModel> & { label: string }>, path?: string): ServiceModel {
  return {
    label,
    upstream: { name: 'up', targets: [] },
    path,
    connectTimeoutMs: 1000,
    readTimeoutMs: 1000,
    writeTimeoutMs: 1000,
    retries: 0,
    routes: routes.map((r) => ({ paths: [], methods: undefined, stripPath: false, ...r })),
  };
}

describe('Router', () => {
  const router = new Router([
    service('a', [{ label: 'ai', paths: ['/ai'] }]),
    service('b', [{ label: 'jobs', paths: ['/ai/jobs'] }, { label: 'jobs-post', paths: ['/ai/jobs'], methods: ['POST'] }]),
  ]);

  it('matches by prefix, as Kong does for plain paths', () => {
    expect(router.match('GET', '/ai/execute')?.route.label).toBe('ai');
    expect(router.match('GET', '/aix')?.route.label).toBe('ai');
    expect(router.match('GET', '/a')).toBeUndefined();
  });

  it('prefers the longest matching prefix, then a route that names the method', () => {
    expect(router.match('GET', '/ai/jobs/1')?.route.label).toBe('jobs');
    expect(router.match('post', '/ai/jobs')?.route.label).toBe('jobs-post');
  });

  // Kong 3.9 (traditional_compatible) ranks by the number of fields a route sets before path length.
  it('ranks a route that sets methods and paths above a longer path without methods, as Kong does', () => {
    const catchAll = new Router([
      service('api', [{ label: 'api', paths: ['/ai/tools'] }]),
      service('ui', [{ label: 'ui', paths: ['/'], methods: ['GET', 'HEAD'] }]),
    ]);
    expect(catchAll.match('GET', '/ai/tools')?.route.label).toBe('ui');
    expect(catchAll.match('POST', '/ai/tools')?.route.label).toBe('api');
  });
});

describe('the routes of the real kong.yml', () => {
  const model = parseGatewayConfig(realConfigText(), 'kong.yml');
  const router = new Router(model.services);
  const cases = model.services.flatMap((s) => s.routes.flatMap((r) => r.paths.flatMap((p) => (r.methods ?? []).map((m) => [r.label, m, p] as const))));

  it('names its methods on every route (a route without them would rank below the catch-all /)', () => {
    expect(model.services.flatMap((s) => s.routes.filter((r) => !r.methods?.length).map((r) => r.label))).toEqual([]);
    expect(cases.length).toBeGreaterThan(10);
  });

  it.each(cases)('leaves no route shadowed: %s takes %s %s and what lies below it', (label, method, prefix) => {
    expect(router.match(method, prefix)?.route.label).toBe(label);
    expect(router.match(method, `${prefix.replace(/\/$/, '')}/below`)?.route.label).toBe(label);
  });

  it('sends GET and HEAD of every other path to the frontend, and nothing else', () => {
    expect(router.match('GET', '/ai/unknown')?.route.label).toBe('frontend');
    expect(router.match('HEAD', '/assets/index.js')?.route.label).toBe('frontend');
    expect(router.match('POST', '/ai/unknown')).toBeUndefined();
    expect(router.match('OPTIONS', '/')).toBeUndefined();
  });
});

describe('upstreamPath (path_handling v0)', () => {
  const match = (prefix: string, stripPath: boolean, servicePath?: string) => {
    const s = service('s', [{ label: 'r', paths: [prefix], stripPath }], servicePath);
    const route = s.routes[0];
    if (!route) throw new Error('no route');
    return { service: s, route, prefix };
  };

  it.each([
    ['/ai', false, undefined, '/ai/execute', '/ai/execute'],
    ['/ai', true, undefined, '/ai/execute', '/execute'],
    ['/fv0', false, '/s', '/fv0req', '/s/fv0req'],
    ['/fv0', true, '/s', '/fv0req', '/s/req'],
    ['/fv0', true, '/s', '/fv0', '/s'],
    ['/fv0/', true, '/s', '/fv0/req', '/s/req'],
    ['/fv0', true, '/s/', '/fv0req', '/s/req'],
    ['/fv0', true, undefined, '/fv0', '/'],
  ])('route %s strip_path=%s service.path=%s: %s -> %s', (prefix, strip, servicePath, request, expected) => {
    expect(upstreamPath(match(prefix, strip, servicePath), request)).toBe(expected);
  });
});
