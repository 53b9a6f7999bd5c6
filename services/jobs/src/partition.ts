/**
 * A workspace lives in exactly one queue partition: `fnv1a32(utf8(workspaceId)) % partitions`.
 * FNV-1a (32 bit, offset basis 2166136261, prime 16777619) is stable across processes and
 * languages; changing it or the partition count moves workspaces, so both are part of the
 * data format.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function partitionOf(workspaceId: string, partitions: number): number {
  return fnv1a32(workspaceId) % partitions;
}
