/**
 * Upstreams and targets as Kong's Admin API returns them (`GET /upstreams/{name}` and
 * `GET /upstreams/{name}/targets`), so canary tooling reads the stand-in as it reads Kong.
 * DB-less Kong gives an entity without an `id` in kong.yml one derived from its identity, so
 * the same file always yields the same ids; the stand-in does the same (a name-based uuid).
 */
import { createHash } from 'node:crypto';
import type { TargetEntity, UpstreamEntity } from './kong-config/entity-schemas';

export interface KongUpstream {
  id: string;
  name: string;
  algorithm: string;
  slots: number;
  tags: string[] | null;
  created_at: number;
  updated_at: number;
}

export interface KongTarget {
  id: string;
  target: string;
  weight: number;
  tags: string[] | null;
  upstream: { id: string };
  created_at: number;
  updated_at: number;
}

export function kongUpstream(upstream: UpstreamEntity, loadedAtS: number): KongUpstream {
  return {
    id: upstreamId(upstream),
    name: upstream.name,
    algorithm: upstream.algorithm,
    slots: upstream.slots,
    tags: upstream.tags ?? null,
    created_at: upstream.created_at ?? loadedAtS,
    updated_at: upstream.updated_at ?? upstream.created_at ?? loadedAtS,
  };
}

export function kongTargets(upstream: UpstreamEntity, loadedAtS: number): KongTarget[] {
  const parent = { id: upstreamId(upstream) };
  return (upstream.targets ?? []).map((t: TargetEntity) => ({
    id: t.id ?? nameBasedUuid('targets', upstream.name, t.target),
    target: t.target,
    weight: t.weight,
    tags: t.tags ?? null,
    upstream: parent,
    created_at: t.created_at ?? loadedAtS,
    updated_at: t.updated_at ?? t.created_at ?? loadedAtS,
  }));
}

/** The upstream named `nameOrId` (Kong's endpoint key is the name; the id works too). */
export function findUpstream(upstreams: readonly UpstreamEntity[] | undefined, nameOrId: string): UpstreamEntity | undefined {
  return (upstreams ?? []).find((u) => u.name === nameOrId || upstreamId(u) === nameOrId);
}

function upstreamId(upstream: UpstreamEntity): string {
  return upstream.id ?? nameBasedUuid('upstreams', upstream.name);
}

/** A version-5 style uuid from the entity type and its key: stable across restarts and applies. */
function nameBasedUuid(...parts: string[]): string {
  const bytes = createHash('sha1').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
