/**
 * The built frontend (frontend/dist, `vite build`) served by the launcher itself on the frontend
 * port: the local twin of compose's nginx container (frontend/nginx.conf), with the same rules,
 * so the gateway's `frontend` route and a browser on :3100 see what they will see in compose.
 * In the launcher's own process: static files need no process, log or readiness wait of their own.
 *
 * - `/assets/*` are Vite's content-hashed files: cached for a year, immutable; a missing one is a
 *   404, never index.html (a stale page asking for an old hash must fail visibly, not get HTML
 *   served as JavaScript).
 * - Every other GET/HEAD of a path without a file extension is a client-side route: index.html.
 * - index.html itself is `no-cache` (revalidated every time), so a new build is picked up at once.
 * - `/ai` and `/ai/*` are the API's paths: the gateway sends GETs of unknown API paths here
 *   (its catch-all `/` route), and an API client must get a 404 envelope there, not a page.
 * Every non-2xx is the error envelope of DESIGN.md.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PAGE_CACHE_CONTROL = 'no-cache';

/** The services' rule for a client's X-Trace-Id (services/kit trace-id.ts). */
const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Where `vite build` puts the frontend, under the repository root. */
export function defaultFrontendDist(root: string): string {
  return path.join(root, 'frontend', 'dist');
}

/** Why `distDir` cannot be served (one line), or undefined when it can. */
export function frontendMissing(distDir: string): string | undefined {
  if (existsSync(path.join(distDir, 'index.html'))) return undefined;
  return `not served: ${path.join(distDir, 'index.html')} is missing (build it: pnpm run build)`;
}

/** True for a path the SPA routes itself: not an asset, not the API, no file extension. */
function isClientRoute(url: string): boolean {
  const pathname = url.split('?')[0] ?? '/';
  if (pathname.startsWith('/assets/') || pathname === '/ai' || pathname.startsWith('/ai/')) return false;
  // As frontend/nginx.conf's `location ~ \.[A-Za-z0-9]+$`: a file name, served or 404.
  return !/\.[A-Za-z0-9]+$/.test(pathname);
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' && VALID_ID.test(value) ? value : undefined;
  };
  const traceId = header('x-trace-id') ?? header('x-request-id') ?? randomUUID();
  return reply
    .code(404)
    .header('cache-control', PAGE_CACHE_CONTROL)
    .header('x-trace-id', traceId)
    .send({ success: false, error: { code: 'NOT_FOUND', message: 'Not Found' }, trace_id: traceId, duration_ms: Math.round(reply.elapsedTime) });
}

/** The app serving `distDir` (it must hold index.html); not listening yet. */
export async function createFrontendApp(distDir: string): Promise<FastifyInstance> {
  const app = fastify({ logger: false });
  const assetsDir = path.join(path.resolve(distDir), 'assets') + path.sep;
  await app.register(fastifyStatic, {
    root: path.resolve(distDir),
    // Set here, per file: send's own Cache-Control would be one policy for every file.
    cacheControl: false,
    setHeaders: (res, file) => {
      res.setHeader('cache-control', file.startsWith(assetsDir) ? ASSET_CACHE_CONTROL : PAGE_CACHE_CONTROL);
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  app.setNotFoundHandler((request, reply) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && isClientRoute(request.url)) return reply.sendFile('index.html');
    return notFound(request, reply);
  });
  return app;
}

export interface FrontendServer {
  url: string;
  distDir: string;
  close(): Promise<void>;
}

/** Serves `distDir` on `host:port`; a port in use fails naming FRONTEND_PORT and FRONTEND=off. */
export async function startFrontend(opts: { distDir: string; host: string; port: number }): Promise<FrontendServer> {
  const app = await createFrontendApp(opts.distDir);
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new Error(`the frontend's port ${opts.port} is in use (scripts/start: FRONTEND_PORT moves it, FRONTEND=off runs the mesh without it)`, { cause: err });
  }
  const { port } = app.server.address() as { port: number };
  let closed: Promise<void> | undefined;
  return { url: `http://${opts.host}:${port}`, distDir: opts.distDir, close: () => (closed ??= app.close()) };
}
