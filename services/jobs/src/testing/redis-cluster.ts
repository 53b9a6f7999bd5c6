/**
 * A real Redis Cluster for tests: N masters (default 3, no replicas) started from PATH on free
 * loopback ports, joined with `redis-cli --cluster create`, usable from a test file's
 * beforeAll/afterAll. Each call gets its own ports and temp dir, so test files run in parallel.
 *
 *   let cluster: RedisClusterHandle;
 *   beforeAll(async () => { cluster = await startRedisCluster(); }, 60_000);
 *   afterAll(() => cluster?.stop());
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { freePorts } from './free-ports';
import { pollUntil } from './poll';
import { startRedisNode, type RedisNode } from './redis-node';

export interface StartRedisClusterOptions {
  /** Parent of the cluster's temp dir (nodes.conf of each node). Default: the OS temp dir. */
  dir?: string;
  /** Number of masters. Default 3 (redis-cli refuses fewer). */
  size?: number;
  /** Budget for every node to start and the cluster to reach cluster_state:ok, ms. Default 30000. */
  timeoutMs?: number;
  /** Binaries. Default `redis-server` and `redis-cli` from PATH. */
  redisServer?: string;
  redisCli?: string;
}

export interface RedisClusterHandle {
  nodes: Array<{ host: string; port: number }>;
  /** The cluster's own temp dir (removed by stop()). */
  dir: string;
  /** A new cluster client; closed by stop() if the test did not close it. */
  client(options?: ClusterOptions): Cluster;
  /** A new standalone client to one node (no redirections followed); closed by stop(). */
  nodeClient(index: number, options?: RedisOptions): Redis;
  /** Closes the clients, stops every redis-server and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Fresh ports are tried this many times when a node cannot bind (another process took them). */
const START_ATTEMPTS = 3;

export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const { size = 3, timeoutMs = 30_000, redisServer = 'redis-server', redisCli = 'redis-cli' } = options;
  const root = await mkdtemp(join(options.dir ?? tmpdir(), 'redis-cluster-'));
  const deadline = Date.now() + timeoutMs;
  let nodes: RedisNode[] = [];
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        nodes = await startNodes({ size, root: join(root, `a${attempt}`), bin: redisServer, deadline });
        break;
      } catch (err) {
        // startNodes has stopped its nodes already.
        if (attempt >= START_ATTEMPTS || Date.now() >= deadline) throw err;
      }
    }
    await createCluster(redisCli, nodes, deadline);
    await waitClusterOk(nodes, deadline);
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return handleFor(nodes, root);
}

async function startNodes(opts: { size: number; root: string; bin: string; deadline: number }): Promise<RedisNode[]> {
  const ports = await freePorts(opts.size * 2, HOST);
  const nodes: RedisNode[] = [];
  for (let i = 0; i < opts.size; i++) {
    const dir = join(opts.root, `n${i}`);
    await mkdir(dir, { recursive: true });
    nodes.push(startRedisNode({ bin: opts.bin, host: HOST, port: ports[2 * i]!, busPort: ports[2 * i + 1]!, dir }));
  }
  // allSettled: a probe still running after another failed would leave a client open.
  const results = await Promise.allSettled(nodes.map((n) => n.waitReady(Math.max(1, opts.deadline - Date.now()))));
  for (const r of results) if (r.status === 'fulfilled') r.value.disconnect();
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  return nodes;
}

function createCluster(redisCli: string, nodes: RedisNode[], deadline: number): Promise<void> {
  const args = ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'];
  return new Promise((resolve, reject) => {
    execFile(redisCli, args, { timeout: Math.max(1, deadline - Date.now()) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli --cluster create failed: ${err.message}\n${stdout}${stderr}`, { cause: err }));
      else resolve();
    });
  });
}

/** Every node must see the whole cluster healthy before a client's first CLUSTER SLOTS. */
async function waitClusterOk(nodes: RedisNode[], deadline: number): Promise<void> {
  const admins = nodes.map((n) => new Redis({ host: n.host, port: n.port, lazyConnect: true, maxRetriesPerRequest: 1 }));
  try {
    const results = await Promise.allSettled(
      admins.map((admin, i) =>
        pollUntil(
          async () => {
            const info = String(await admin.call('CLUSTER', 'INFO'));
            const ok = /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${nodes.length}\\b`).test(info);
            return ok ? true : undefined;
          },
          { what: `cluster_state:ok on node ${nodes[i]!.port}`, timeoutMs: Math.max(1, deadline - Date.now()) },
        ),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    admins.forEach((a) => a.disconnect());
  }
}

function handleFor(nodes: RedisNode[], root: string): RedisClusterHandle {
  const clients: Array<Cluster | Redis> = [];
  let stopping: Promise<void> | undefined;
  const addresses = nodes.map((n) => ({ host: n.host, port: n.port }));
  return {
    nodes: addresses,
    dir: root,
    client(options) {
      const client = new Cluster(addresses, options);
      clients.push(client);
      return client;
    },
    nodeClient(index, options) {
      const node = addresses[index];
      if (!node) throw new Error(`no node ${index} (cluster has ${addresses.length})`);
      const client = new Redis({ ...node, ...options });
      clients.push(client);
      return client;
    },
    stop() {
      stopping ??= (async () => {
        // disconnect(), not quit(): a test may have closed the client already, and nothing is
        // left to flush since the servers go away next.
        clients.forEach((c) => c.disconnect());
        await Promise.all(nodes.map((n) => n.stop()));
        await rm(root, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
