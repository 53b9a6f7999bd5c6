import { CLOCK_START } from '../clock';
import { expectJobError, jobInput } from '../fixtures';
import { waitFor } from '../poll';
import type { StoreCases } from '../store-harness';

export const enqueueCases: StoreCases = (h) => {
  describe('enqueue', () => {
    it('creates a pending job with its record, indexes, queue place and event', async () => {
      const { store } = h();
      const { job, replayed } = await store.enqueue(
        jobInput('ws-a', { priority: 7, trace: { trace_id: 'a'.repeat(32) }, client_request_id: 'req-1' }),
      );
      expect(replayed).toBe(false);
      expect(job).toMatchObject({
        workspace_id: 'ws-a',
        actor_id: 'actor-1',
        action: 'echo',
        params: { text: 'hi' },
        priority: 7,
        status: 'pending',
        attempts: 0,
        max_attempts: 5,
        created_at: new Date(CLOCK_START).toISOString(),
        started_at: null,
        finished_at: null,
        result: null,
        error: null,
        client_request_id: 'req-1',
        trace: { trace_id: 'a'.repeat(32) },
        lease_token: null,
        cancel_requested: false,
      });
      expect(job.job_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(await store.get('ws-a', job.job_id)).toEqual(job);
      expect(await store.queuePosition('ws-a', job.job_id)).toBe(1);
      expect((await store.list('ws-a', { status: 'pending' })).jobs.map((j) => j.job_id)).toEqual([job.job_id]);
      expect(await store.events('ws-a')).toEqual([
        expect.objectContaining({ job_id: job.job_id, status: 'pending', prev: null, attempts: 0 }),
      ]);
      expect(await store.depth()).toMatchObject({ pending: 1, running: 0 });
    });

    it('publishes the partition number on the wake channel', async () => {
      const { store } = h();
      const sub = h().duplicate();
      const messages: string[] = [];
      sub.on('message', (_channel: string, message: string) => messages.push(message));
      await sub.subscribe(store.channels.wake);
      await store.enqueue(jobInput('ws-a'));
      await expect(waitForMessage(messages)).resolves.toBe(String(store.partitionOf('ws-a')));
    });

    it('refuses invalid input with VALIDATION_ERROR naming the field', async () => {
      const { store } = h();
      const cases: Array<[Partial<Parameters<typeof jobInput>[1]> & { workspace_id?: string }, string]> = [
        [{ action: 'Bad Action' }, 'action'],
        [{ priority: 10 }, 'priority'],
        [{ priority: 1.5 }, 'priority'],
        [{ max_attempts: 0 }, 'max_attempts'],
        [{ actor_id: '' }, 'actor_id'],
        [{ workspace_id: 'a|b' }, 'workspace_id'],
        [{ client_request_id: '' }, 'client_request_id'],
      ];
      for (const [overrides, field] of cases) {
        const err = await store.enqueue(jobInput('ws-a', overrides)).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'VALIDATION_ERROR', field });
      }
      expect(await store.depth()).toMatchObject({ pending: 0 });
    });

    describe('idempotency', () => {
      it('returns the original job for the same key and body in the same workspace', async () => {
        const { store } = h();
        const first = await store.enqueue(jobInput('ws-a', { client_request_id: 'k1' }));
        h().clock.advance(60_000);
        const again = await store.enqueue(jobInput('ws-a', { client_request_id: 'k1' }));
        expect(again).toEqual({ job: first.job, replayed: true });
        expect((await store.list('ws-a')).jobs).toHaveLength(1);
        expect(await store.depth()).toMatchObject({ pending: 1 });
      });

      it('keeps the same key in another workspace independent', async () => {
        const { store } = h();
        const a = await store.enqueue(jobInput('ws-a', { client_request_id: 'k1' }));
        const b = await store.enqueue(jobInput('ws-b', { client_request_id: 'k1' }));
        expect(b.replayed).toBe(false);
        expect(b.job.job_id).not.toBe(a.job.job_id);
        expect(b.job.workspace_id).toBe('ws-b');
      });

      it('refuses the same key with another body with CONFLICT', async () => {
        const { store } = h();
        await store.enqueue(jobInput('ws-a', { client_request_id: 'k1' }));
        await expectJobError(store.enqueue(jobInput('ws-a', { client_request_id: 'k1', params: { text: 'other' } })), 'CONFLICT', 'pending');
        await expectJobError(store.enqueue(jobInput('ws-a', { client_request_id: 'k1', priority: 9 })), 'CONFLICT');
      });

      it('treats key order inside params as the same body', async () => {
        const { store } = h();
        const first = await store.enqueue(jobInput('ws-a', { client_request_id: 'k1', params: { a: 1, b: 2 } }));
        const again = await store.enqueue(jobInput('ws-a', { client_request_id: 'k1', params: { b: 2, a: 1 } }));
        expect(again.job.job_id).toBe(first.job.job_id);
      });

      it('creates a new job once the key is older than its TTL', async () => {
        const store = h().makeStore({ idempotencyTtlS: 60 });
        const first = await store.enqueue(jobInput('ws-a', { client_request_id: 'k1' }));
        h().clock.advance(59_999);
        expect((await store.enqueue(jobInput('ws-a', { client_request_id: 'k1' }))).replayed).toBe(true);
        h().clock.advance(1);
        const later = await store.enqueue(jobInput('ws-a', { client_request_id: 'k1', params: { text: 'new body is fine' } }));
        expect(later.replayed).toBe(false);
        expect(later.job.job_id).not.toBe(first.job.job_id);
      });

      it('sets the Redis TTL of the key', async () => {
        const { store, redis } = h();
        await store.enqueue(jobInput('ws-a', { client_request_id: 'k1' }));
        const ttl = await redis.pttl(store.keys.idempotency('ws-a', 'k1'));
        expect(ttl).toBeGreaterThan(86_400_000 - 60_000);
        expect(ttl).toBeLessThanOrEqual(86_400_000);
      });
    });

    describe('pending cap', () => {
      it('refuses a job beyond the per-workspace cap with RATE_LIMITED, other workspaces unaffected', async () => {
        const store = h().makeStore({ maxPendingPerWorkspace: 2 });
        await store.enqueue(jobInput('ws-a'));
        await store.enqueue(jobInput('ws-a'));
        await expectJobError(store.enqueue(jobInput('ws-a')), 'RATE_LIMITED');
        await expect(store.enqueue(jobInput('ws-b'))).resolves.toMatchObject({ replayed: false });
        expect(await store.depth()).toMatchObject({ pending: 3 });
      });

      it('counts only pending jobs: a claimed job frees a place', async () => {
        const store = h().makeStore({ maxPendingPerWorkspace: 1 });
        await store.enqueue(jobInput('ws-a'));
        await store.claim(store.partitionOf('ws-a'), { workerId: 'w', leaseMs: 1000 });
        await expect(store.enqueue(jobInput('ws-a'))).resolves.toMatchObject({ replayed: false });
      });

      it('still replays an idempotent submission at the cap', async () => {
        const store = h().makeStore({ maxPendingPerWorkspace: 1 });
        const first = await store.enqueue(jobInput('ws-a', { client_request_id: 'k' }));
        await expect(store.enqueue(jobInput('ws-a', { client_request_id: 'k' }))).resolves.toEqual({ job: first.job, replayed: true });
      });
    });
  });
};

const waitForMessage = (messages: string[]): Promise<string> => waitFor(() => messages[0], 'a wake message');
