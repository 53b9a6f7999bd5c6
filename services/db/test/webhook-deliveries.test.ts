import { claimWebhookDelivery, listWebhookDeliveries, recordWebhookOutcome } from '../src/webhook-deliveries';
import { getWorkspaceSettings, setWorkspaceSettings } from '../src/workspace-settings';
import { DATABASE_KINDS, useMigratedDatabase } from './support/databases';

describe.each(DATABASE_KINDS)('webhook deliveries on %s', (_kind, fresh) => {
  const t = useMigratedDatabase(fresh);

  it('claims one row per job: a run again gets it back with one more attempt', async () => {
    const first = await claimWebhookDelivery(t().db, { workspace_id: 'ws-a', job_id: 'job-1', url: 'https://hooks.example.com/x', trace_id: 'tr-1' });
    expect(first).toMatchObject({ workspace_id: 'ws-a', job_id: 'job-1', status: 'pending', attempts: 1, delivered_at: null, trace_id: 'tr-1' });
    const again = await claimWebhookDelivery(t().db, { workspace_id: 'ws-a', job_id: 'job-1', url: 'https://hooks.example.com/x' });
    expect(again).toMatchObject({ id: first.id, attempts: 2, status: 'pending' });
    // The same job id in another workspace is another delivery.
    expect((await claimWebhookDelivery(t().db, { workspace_id: 'ws-b', job_id: 'job-1', url: 'https://x.example' })).id).not.toBe(first.id);
  });

  it('keeps a delivered row as it is: no attempt counted, the recorded answer returned', async () => {
    const row = await claimWebhookDelivery(t().db, { workspace_id: 'ws-d', job_id: 'job-d', url: 'https://hooks.example.com/d' });
    const done = await recordWebhookOutcome(t().db, row.id, { delivered: true, response_status: 202, response_body: 'ok' });
    expect(done).toMatchObject({ status: 'delivered', response_status: 202, response_body: 'ok', delivered_at: expect.stringMatching(/Z$/) });
    const replay = await claimWebhookDelivery(t().db, { workspace_id: 'ws-d', job_id: 'job-d', url: 'https://hooks.example.com/d' });
    expect(replay).toEqual(done);
    // A late outcome of a racing run does not overwrite the success.
    expect(await recordWebhookOutcome(t().db, row.id, { delivered: false, response_status: 500, response_body: null })).toBeUndefined();
  });

  it('gives each sync call (no job id) its own row', async () => {
    const a = await claimWebhookDelivery(t().db, { workspace_id: 'ws-s', url: 'https://hooks.example.com/s' });
    const b = await claimWebhookDelivery(t().db, { workspace_id: 'ws-s', url: 'https://hooks.example.com/s' });
    await recordWebhookOutcome(t().db, a.id, { delivered: false, response_status: 400, response_body: 'bad' });
    expect(a.id).not.toBe(b.id);
    const rows = await listWebhookDeliveries(t().db, 'ws-s');
    expect(rows.map((r) => [r.id, r.status]).sort()).toEqual([[a.id, 'failed'], [b.id, 'pending']].sort());
  });

  it('stores the webhook host allowlist beside the other settings and refuses malformed hosts', async () => {
    expect((await getWorkspaceSettings(t().db, 'ws-h')).webhook_hosts).toBeNull();
    await setWorkspaceSettings(t().db, 'ws-h', { rate_limit_per_minute: 10 });
    const set = await setWorkspaceSettings(t().db, 'ws-h', { webhook_hosts: ['hooks.example.com', 'hooks.example.com', '[::1]'] });
    expect(set).toEqual({ workspace_id: 'ws-h', rate_limit_per_minute: 10, allowed_actions: null, webhook_hosts: ['hooks.example.com', '[::1]'] });
    for (const bad of ['Hooks.Example.com', '*.example.com', 'example.com:443', 'https://example.com', '']) {
      await expect(setWorkspaceSettings(t().db, 'ws-h', { webhook_hosts: [bad] })).rejects.toThrow('webhook_hosts');
    }
  });
});
