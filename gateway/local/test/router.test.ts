import type { RouteModel, ServiceModel } from '../src/kong-config/model';
import { Router, upstreamPath } from '../src/router';

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
