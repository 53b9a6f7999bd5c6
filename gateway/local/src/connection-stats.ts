import type { Server } from 'node:http';

export interface ConnectionSnapshot {
  accepted: number;
  handled: number;
  total: number;
  active: number;
  reading: number;
  writing: number;
  waiting: number;
}

/**
 * Connection counters in the shape of nginx's stub_status, which Kong reports as
 * kong_nginx_connections_total{state} and in its status API. `writing` counts requests in
 * progress, `waiting` idle keep-alive connections; `reading` (header parsing) is not
 * observable from Node and stays 0.
 */
export class ConnectionStats {
  private accepted = 0;
  private active = 0;
  private requests = 0;
  private inFlight = 0;

  attach(server: Server): void {
    server.on('connection', (socket) => {
      this.accepted += 1;
      this.active += 1;
      socket.once('close', () => {
        this.active -= 1;
      });
    });
  }

  requestStarted(): void {
    this.requests += 1;
    this.inFlight += 1;
  }

  requestFinished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  snapshot(): ConnectionSnapshot {
    return {
      accepted: this.accepted,
      handled: this.accepted,
      total: this.requests,
      active: this.active,
      reading: 0,
      writing: this.inFlight,
      waiting: Math.max(0, this.active - this.inFlight),
    };
  }
}
