import type { Worker } from './worker';

/**
 * What the worker does with the job store's pub/sub messages: a wake-up names the partition of
 * a job that became ready (a number; anything else wakes every idle slot), a cancel names the
 * job as `<workspace>|<job id>`.
 */
export function handleStoreMessage(worker: Worker, channels: { wake: string; cancel?: string }, channel: string, message: string): void {
  if (channel === channels.wake) worker.wake(/^\d+$/.test(message) ? Number(message) : undefined);
  else if (channel === channels.cancel) worker.cancel(message.slice(message.lastIndexOf('|') + 1));
}
