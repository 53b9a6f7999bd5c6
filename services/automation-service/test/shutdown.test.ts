import { once } from 'node:events';
import net from 'node:net';
import { startFakePipeline } from './fake-pipeline';
import type { FakePipeline } from './fake-pipeline';
import { createCaller, startService } from './helpers';
import type { ServiceUnderTest } from './helpers';

/**
 * Resolves with the first connection attempt that is refused. While the listener is closing,
 * an attempt may still be accepted (then dropped) or reset; those are retried.
 */
async function refusedConnection(port: number): Promise<NodeJS.ErrnoException> {
  for (;;) {
    const socket = net.connect(port, '127.0.0.1');
    const err = await once(socket, 'connect').then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    socket.destroy();
    if (err?.code === 'ECONNREFUSED') return err;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('graceful drain', () => {
  let upstream: FakePipeline;
  let service: ServiceUnderTest;
  const caller = createCaller();

  beforeAll(async () => {
    upstream = await startFakePipeline();
    service = await startService({ pipelineUrl: upstream.url, timeoutMs: 10_000 });
    caller.useHeaders(service.auth);
  });

  afterAll(async () => {
    await caller.close();
    await service.close();
    await upstream.close();
  });

  it('lets an in-flight request finish with 200 while new connections are refused', async () => {
    upstream.behave({ kind: 'slow' });
    const n = upstream.received.length;
    const inFlight = caller.call(`${service.url}/ai/execute`, { body: { input: 'ping', tool: 'echo' }, headers: { 'x-trace-id': 'drain-1' } });
    await upstream.request(n);

    let closed = false;
    const closing = service.closeApp().then(() => {
      closed = true;
    });
    const refused = await refusedConnection(Number(new URL(service.url).port));
    expect(refused.code).toBe('ECONNREFUSED');
    expect(closed).toBe(false);

    upstream.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, output: 'pong', trace_id: 'drain-1', tool: 'echo' });
    await closing;
    expect(closed).toBe(true);
  });
});
