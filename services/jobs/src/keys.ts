import { partitionOf } from './partition';

/**
 * Every key carries its partition's hash tag `{<prefix>:p<k>}` (layout in lua/includes/common.lua),
 * so each script touches one cluster slot. Workspace ids exclude `|` (the separator of partition
 * zset members), `:` (the key separator) and braces (hash tags).
 */
export const WORKSPACE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface KeySpace {
  readonly prefix: string;
  readonly partitions: number;
  partitionOf(workspaceId: string): number;
  tag(partition: number): string;
  /** `W|<id>`, the member of the partition zsets. */
  member(workspaceId: string, jobId: string): string;
  job(workspaceId: string, jobId: string): string;
  /** A workspace's jobs in one status, newest first by score (created_at). */
  index(workspaceId: string, status: string): string;
  idempotency(workspaceId: string, key: string): string;
  events(workspaceId: string): string;
  ready(partition: number): string;
  delayed(partition: number): string;
  leases(partition: number): string;
  dead(partition: number): string;
  /** The set of a partition's workspace ids (prune walks their indexes). */
  workspaces(partition: number): string;
  /** Where prune's walk of the workspaces stopped. */
  pruneCursor(partition: number): string;
  stats(partition: number): string;
  /** Pub/sub channels: `wake` carries a partition number, `cancel` a `W|<id>` member. */
  readonly channels: { wake: string; cancel: string };
}

export function createKeySpace(prefix: string, partitions: number): KeySpace {
  const tag = (p: number): string => `{${prefix}:p${p}}`;
  const base = (ws: string): string => `${tag(partitionOf(ws, partitions))}:ws:${ws}`;
  const partitionKey = (name: string) => (p: number) => `${tag(p)}:${name}`;
  const space: KeySpace = {
    prefix,
    partitions,
    partitionOf: (ws) => partitionOf(ws, partitions),
    tag,
    member: (ws, id) => `${ws}|${id}`,
    job: (ws, id) => `${base(ws)}:job:${id}`,
    index: (ws, status) => `${base(ws)}:idx:${status}`,
    idempotency: (ws, key) => `${base(ws)}:idem:${key}`,
    events: (ws) => `${base(ws)}:events`,
    ready: partitionKey('ready'),
    delayed: partitionKey('delayed'),
    leases: partitionKey('leases'),
    dead: partitionKey('dead'),
    workspaces: partitionKey('workspaces'),
    pruneCursor: partitionKey('prune'),
    stats: partitionKey('stats'),
    channels: { wake: `${prefix}:wake`, cancel: `${prefix}:cancel` },
  };
  return space;
}
