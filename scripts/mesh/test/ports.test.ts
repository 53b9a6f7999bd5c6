/**
 * The port allocator that lets test files run meshes in parallel: ports below the kernel's
 * ephemeral range (which port-0 listeners and outgoing connections draw from), a block per Jest
 * worker, and never a port someone holds.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { DEFAULT_PORTS, freePort, freePorts } from '../src';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('freePorts', () => {
  it('gives every name of the mesh its own port, below the ephemeral range, and two meshes none in common', async () => {
    const a = Object.values(await freePorts());
    const b = Object.values(await freePorts());
    expect(a).toHaveLength(Object.keys(DEFAULT_PORTS).length);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    for (const port of [...a, ...b]) {
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port).toBeLessThan(ephemeralLow);
    }
  });

  it('gives concurrent callers distinct ports', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
  });

  it('skips a port that another listener holds', async () => {
    // The allocator walks its block upwards, so the port after the last one given is its next try.
    const next = (await freePort()) + 1;
    const holder = await listen(next);
    try {
      const port = await freePort();
      expect(port).not.toBe(next);
      // And the port it gave is really free.
      await close(await listen(port));
    } finally {
      await close(holder);
    }
  });

  it('keeps Jest workers apart: another worker id gets another block', async () => {
    const worker = process.env.JEST_WORKER_ID;
    try {
      const mine = await freePort();
      process.env.JEST_WORKER_ID = String(Number(worker ?? '1') + 1);
      const theirs = await freePort();
      // 24 blocks of 500 ports end where the ephemeral range starts; worker n has block n-1.
      const blockOf = (port: number) => Math.floor((port - (ephemeralLow - 24 * 500)) / 500);
      expect(blockOf(theirs)).toBe(blockOf(mine) + 1);
    } finally {
      process.env.JEST_WORKER_ID = worker;
    }
  });
});
