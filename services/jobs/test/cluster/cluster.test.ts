/**
 * Smoke test of the cluster harness: the cluster really is three masters that split the slots,
 * so a test passing on it proves a script's keys share one slot.
 */
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { startRedisCluster, type RedisClusterHandle } from '../../src/testing';

/** A script that touches both of its keys; fine only when they hash to one slot. */
const TWO_KEY_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[1])
return redis.call('LLEN', KEYS[2])
`;
type WithScript = Cluster & { twoKeys(a: string, b: string, value: string): Promise<number> };

let cluster: RedisClusterHandle;
let client: WithScript;
let admin: Redis;
/** Port of the master serving each slot, from CLUSTER SLOTS. */
let ownerOfSlot: (slot: number) => number;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client() as WithScript;
  client.defineCommand('twoKeys', { numberOfKeys: 2, lua: TWO_KEY_SCRIPT });
  admin = cluster.nodeClient(0);
  const ranges = (await admin.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
  ownerOfSlot = (slot) => {
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`slot ${slot} has no owner`);
    return range[2][1];
  };
}, 60_000);

afterAll(() => cluster?.stop());

async function slotOf(key: string): Promise<number> {
  return Number(await admin.call('CLUSTER', 'KEYSLOT', key));
}

/** One hash tag per master, found by asking the cluster where candidate tags hash. */
async function tagPerNode(): Promise<Map<number, string>> {
  const tags = new Map<number, string>();
  for (let i = 0; tags.size < cluster.nodes.length && i < 1000; i++) {
    const tag = `{smoke:${i}}`;
    const port = ownerOfSlot(await slotOf(tag));
    if (!tags.has(port)) tags.set(port, tag);
  }
  return tags;
}

async function otherSlotOnSameNode(tag: string): Promise<string> {
  const slot = await slotOf(tag);
  for (let i = 0; i < 1000; i++) {
    const other = `{other:${i}}`;
    const otherSlot = await slotOf(other);
    if (otherSlot !== slot && ownerOfSlot(otherSlot) === ownerOfSlot(slot)) return other;
  }
  throw new Error(`no other slot found on the node of ${tag}`);
}

describe('startRedisCluster', () => {
  it('forms a cluster of three masters that together serve all 16384 slots', async () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3);
    for (let i = 0; i < cluster.nodes.length; i++) {
      const info = String(await cluster.nodeClient(i).call('CLUSTER', 'INFO'));
      expect(info).toMatch(/cluster_state:ok/);
      expect(info).toMatch(/cluster_slots_assigned:16384/);
      expect(info).toMatch(/cluster_size:3/);
    }
    await client.ping();
    expect(client.nodes('master')).toHaveLength(3);
  });

  it('stores keys with different hash tags on different nodes', async () => {
    const tags = await tagPerNode();
    expect(tags.size).toBe(3);
    for (const tag of tags.values()) await client.set(`${tag}:k`, tag);
    for (let i = 0; i < cluster.nodes.length; i++) {
      const direct = cluster.nodeClient(i);
      for (const [port, tag] of tags) {
        if (port === cluster.nodes[i]!.port) {
          await expect(direct.get(`${tag}:k`)).resolves.toBe(tag);
        } else {
          // A node answers only for its own slots: the key is elsewhere.
          await expect(direct.get(`${tag}:k`)).rejects.toThrow(/MOVED/);
        }
      }
    }
  });

  it('refuses a multi-key command across slots with CROSSSLOT', async () => {
    const [a, b] = [...(await tagPerNode()).values()];
    await expect(client.mget(`${a}:x`, `${b}:y`)).rejects.toThrow(/CROSSSLOT/);
    await expect(client.mget(`${a}:x`, `${a}:y`)).resolves.toEqual([null, null]);
    // Two slots on one node are refused too: the rule is one slot, not one node.
    const sameNode = await otherSlotOnSameNode(a!);
    await expect(client.mget(`${a}:x`, `${sameNode}:y`)).rejects.toThrow(/CROSSSLOT/);
  });

  it('runs a Lua script whose keys share one hash tag, and refuses one whose keys do not', async () => {
    const [a, b] = [...(await tagPerNode()).values()];
    await expect(client.twoKeys(`${a}:value`, `${a}:list`, 'v1')).resolves.toBe(1);
    await expect(client.twoKeys(`${a}:value`, `${a}:list`, 'v2')).resolves.toBe(2);
    await expect(client.get(`${a}:value`)).resolves.toBe('v2');
    await expect(client.twoKeys(`${a}:value`, `${b}:list`, 'v3')).rejects.toThrow(/CROSSSLOT/);
  });

  it('refuses a script that builds a key living on another node than its declared keys', async () => {
    // The store's claim, reap and promote scripts build job keys from the partition tag. Redis
    // 7.0 refuses such a key only when another node serves it: a key of another slot on the
    // same node passes, so the cluster run catches a wrong tag about two times in three.
    const [a, b] = [...(await tagPerNode()).values()];
    const touch = "return redis.call('GET', ARGV[1])";
    await expect(client.eval(touch, 1, `${a}:declared`, `${a}:built`)).resolves.toBeNull();
    await expect(client.eval(touch, 1, `${a}:declared`, `${b}:built`)).rejects.toThrow(/non local key/);
  });

  it('stops every node and removes its files', async () => {
    const { dir, nodes } = cluster;
    expect(existsSync(dir)).toBe(true);
    await cluster.stop();
    expect(existsSync(dir)).toBe(false);
    for (const { host, port } of nodes) await expect(connect(host, port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

function connect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('error', reject);
    socket.connect(port, host, () => {
      socket.destroy();
      resolve();
    });
  });
}
