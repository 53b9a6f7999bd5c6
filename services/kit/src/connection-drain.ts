import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Tracks which sockets of a server are serving a request, so a drain can destroy the others
 * at once. Node's closeIdleConnections() (Fastify's forceCloseConnections: 'idle') skips a
 * socket that connected but never sent a request, and close() would then wait for it until
 * the client gives up — easily the whole shutdown grace period.
 */
export function trackConnections(server: Server): { destroyIdle(): void } {
  const active = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    active.set(socket, 0);
    socket.once('close', () => active.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (active.has(socket)) active.set(socket, Math.max(0, (active.get(socket) ?? 1) - 1));
    });
  });
  return {
    destroyIdle() {
      for (const [socket, requests] of active) if (requests === 0) socket.destroy();
    },
  };
}
