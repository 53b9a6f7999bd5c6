import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createHttpApp, createLogger, createMetrics, handleShutdown } from '../src';

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, refuses new connections, then exits 0', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const app = createHttpApp({ service: 'test', logger, metrics: createMetrics({ service: 'test', defaultMetrics: false }) });
    let release: () => void = () => undefined;
    const started = new Promise<void>((resolveStarted) => {
      app.get('/slow', async () => {
        resolveStarted();
        await new Promise<void>((r) => (release = r));
        return { done: true };
      });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const exits: number[] = [];
    const drain = handleShutdown({ logger, steps: [{ name: 'api', run: () => app.close() }], exit: (c) => exits.push(c), signals: [] });

    const inFlight = request(`http://127.0.0.1:${port}/slow`);
    await started;
    const drained = drain('test');
    // A new caller is turned away: refused or reset once the listener is gone, 503 just before.
    const late = await request(`http://127.0.0.1:${port}/health`).then(
      (r) => r.statusCode,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(late);
    release();
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ done: true });
    await drained;
    expect(exits).toEqual([0]);
  });

  it('exits 1 when a step fails, after running the others', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const ran: string[] = [];
    const exits: number[] = [];
    const drain = handleShutdown({
      logger,
      signals: [],
      exit: (c) => exits.push(c),
      steps: [
        { name: 'a', run: async () => Promise.reject(new Error('boom')) },
        { name: 'b', run: async () => ran.push('b') },
      ],
    });
    await drain('test');
    expect(ran).toEqual(['b']);
    expect(exits).toEqual([1]);
  });
});

describe('draining with idle connections', () => {
  it('closes a connection that never sent a request instead of waiting for it', async () => {
    const { connect } = await import('node:net');
    const logger = createLogger({ service: 'test', level: 'silent' });
    const app = createHttpApp({ service: 'test', logger, metrics: createMetrics({ service: 'test', defaultMetrics: false }) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closedByServer = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await app.close(); // would wait until the client gave up, without the tracker
    await closedByServer;
    expect(socket.destroyed).toBe(true);
  });
});
