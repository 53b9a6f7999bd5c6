import { request } from 'undici';
import { createClient, startGateway, startUpstream, testConfig } from './helpers';

/** Rejects if `promise` has not settled within `ms` (a deadline, not a sleep). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('streamed responses', () => {
  it('passes a text/event-stream through chunk by chunk, before the upstream ends', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((done) => {
      release = done;
    });
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: one\n\n');
      // The second event only goes out once the client has seen the first one.
      void released.then(() => res.end('data: two\n\n'));
    });
    const gw = await startGateway(testConfig({ targets: [{ target: upstream.address }] }));
    const client = createClient();
    try {
      const { res, chunks, first } = await within(
        (async () => {
          const res = await request(`${gw.proxyUrl}/api/events`, { dispatcher: client.agent });
          const chunks = res.body[Symbol.asyncIterator]();
          return { res, chunks, first: await chunks.next() };
        })(),
        3000,
        'the first event',
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      expect(String(first.value)).toContain('data: one');
      release();
      let rest = '';
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) rest += String(next.value);
      expect(rest).toContain('data: two');
    } finally {
      release();
      await gw.close();
      await upstream.close();
      await client.close();
    }
  });
});
