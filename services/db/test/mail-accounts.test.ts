import { randomBytes } from 'node:crypto';
import { CredentialDecryptError, CredentialKeyError, createCredentialCipher } from '../src/credential-cipher';
import { claimEmailDelivery, eraseEmailDeliveries, listEmailDeliveries, recordEmailOutcome } from '../src/email-deliveries';
import { MAIL_PRESETS, eraseMailAccounts, getMailAccount, listMailAccounts, removeMailAccount, setMailAccount } from '../src/mail-accounts';
import { DATABASE_KINDS, useMigratedDatabase } from './support/databases';

const newKey = () => randomBytes(32).toString('base64');

describe('credential cipher', () => {
  const cipher = createCredentialCipher(newKey());

  it('round-trips a secret and never stores it in the clear', () => {
    const stored = cipher.encrypt('app-password-1234', 'mail_accounts/ws/gmail');
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('app-password');
    expect(cipher.encrypt('app-password-1234', 'mail_accounts/ws/gmail')).not.toBe(stored); // a fresh nonce each time
    expect(cipher.decrypt(stored, 'mail_accounts/ws/gmail')).toBe('app-password-1234');
  });

  it('refuses another owner, another key and an altered value', () => {
    const stored = cipher.encrypt('s3cret', 'mail_accounts/ws-a/gmail');
    expect(() => cipher.decrypt(stored, 'mail_accounts/ws-b/gmail')).toThrow(CredentialDecryptError);
    expect(() => createCredentialCipher(newKey()).decrypt(stored, 'mail_accounts/ws-a/gmail')).toThrow(CredentialDecryptError);
    const parts = stored.split('.');
    const last = parts[3] as string;
    parts[3] = (last[0] === 'A' ? 'B' : 'A') + last.slice(1);
    expect(() => cipher.decrypt(parts.join('.'), 'mail_accounts/ws-a/gmail')).toThrow(CredentialDecryptError);
    expect(() => cipher.decrypt('plain text', 'mail_accounts/ws-a/gmail')).toThrow(CredentialDecryptError);
  });

  it('takes only a 32-byte base64 key and never echoes it', () => {
    const short = randomBytes(16).toString('base64');
    for (const bad of ['', short, randomBytes(32).toString('hex'), `${newKey()}x`]) {
      expect(() => createCredentialCipher(bad)).toThrow(CredentialKeyError);
    }
    try {
      createCredentialCipher(short);
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
      expect((err as Error).message).toContain('CREDENTIALS_ENCRYPTION_KEY');
    }
  });
});

describe.each(DATABASE_KINDS)('mail accounts and the email outbox on %s', (_kind, fresh) => {
  const t = useMigratedDatabase(fresh);
  const cipher = createCredentialCipher(newKey());

  it('keeps a preset account with its password encrypted, readable back only through the cipher', async () => {
    const saved = await setMailAccount(t().db, cipher, { workspace_id: 'ws-m', provider: 'gmail', username: 'ops@example.com', from_address: 'ops@example.com', password: 'abcd efgh ijkl mnop' });
    expect(saved).toMatchObject({ provider: 'gmail', server: MAIL_PRESETS.gmail });
    expect(saved).not.toHaveProperty('password');
    const { rows } = await t().db.query<{ secret_ciphertext: string }>("SELECT secret_ciphertext FROM mail_accounts WHERE workspace_id = 'ws-m'");
    expect(rows[0]?.secret_ciphertext).not.toContain('abcd');
    expect(await getMailAccount(t().db, cipher, 'ws-m', 'gmail')).toMatchObject({ password: 'abcd efgh ijkl mnop', server: { host: 'smtp.gmail.com', port: 465, tls: 'implicit' } });
    expect(await getMailAccount(t().db, cipher, 'ws-m', 'outlook')).toBeUndefined();
    // A row copied into another workspace does not decrypt there.
    await t().db.query("INSERT INTO mail_accounts (workspace_id, provider, username, from_address, secret_ciphertext) SELECT 'ws-thief', provider, username, from_address, secret_ciphertext FROM mail_accounts WHERE workspace_id = 'ws-m'");
    await expect(getMailAccount(t().db, cipher, 'ws-thief', 'gmail')).rejects.toThrow(CredentialDecryptError);
  });

  it('replaces an account, lists without passwords, removes and erases', async () => {
    const base = { workspace_id: 'ws-r', username: 'u', from_address: 'a@example.com', password: 'one' };
    await setMailAccount(t().db, cipher, { ...base, provider: 'smtp', server: { host: 'mail.example.com', port: 587, tls: 'starttls' } });
    await setMailAccount(t().db, cipher, { ...base, provider: 'smtp', password: 'two', server: { host: 'mail2.example.com', port: 465, tls: 'implicit' } });
    await setMailAccount(t().db, cipher, { ...base, provider: 'outlook' });
    const listed = await listMailAccounts(t().db, 'ws-r');
    expect(listed.map((a) => [a.provider, a.server.host])).toEqual([['outlook', 'smtp.office365.com'], ['smtp', 'mail2.example.com']]);
    expect(JSON.stringify(listed)).not.toMatch(/"two"|ciphertext/);
    expect((await getMailAccount(t().db, cipher, 'ws-r', 'smtp'))?.password).toBe('two');
    expect(await removeMailAccount(t().db, 'ws-r', 'outlook')).toBe(true);
    expect(await removeMailAccount(t().db, 'ws-r', 'outlook')).toBe(false);
    expect(await eraseMailAccounts(t().db, 'ws-r')).toBe(1);
  });

  it('refuses bad accounts naming the field', async () => {
    const base = { workspace_id: 'ws-b', username: 'u', from_address: 'a@example.com', password: 'p' };
    await expect(setMailAccount(t().db, cipher, { ...base, provider: 'smtp' })).rejects.toThrow('server');
    await expect(setMailAccount(t().db, cipher, { ...base, provider: 'gmail', server: { host: 'evil.example', port: 25, tls: 'starttls' } })).rejects.toThrow('preset');
    await expect(setMailAccount(t().db, cipher, { ...base, provider: 'gmail', from_address: 'Eve <e@x>' })).rejects.toThrow('from_address');
    await expect(setMailAccount(t().db, cipher, { ...base, provider: 'smtp', server: { host: 'a b', port: 25, tls: 'starttls' } })).rejects.toThrow('host');
    await expect(setMailAccount(t().db, cipher, { ...base, provider: 'gmail', password: '' })).rejects.toThrow('password');
    expect(await listMailAccounts(t().db, 'ws-b')).toEqual([]);
  });

  it('keeps one email row per job, the delivered one unchanged, and erases them', async () => {
    const first = await claimEmailDelivery(t().db, { workspace_id: 'ws-e', job_id: 'job-1', provider: 'gmail', recipients: ['a@example.com', 'b@example.com'] });
    expect(first).toMatchObject({ provider: 'gmail', recipients: 'a@example.com,b@example.com', attempts: 1, status: 'pending' });
    await recordEmailOutcome(t().db, first.id, { delivered: true, response_status: 250, response_body: '250 OK queued' });
    const again = await claimEmailDelivery(t().db, { workspace_id: 'ws-e', job_id: 'job-1', provider: 'gmail', recipients: ['a@example.com'] });
    expect(again).toMatchObject({ id: first.id, attempts: 1, status: 'delivered', response_status: 250 });
    expect(await listEmailDeliveries(t().db, 'ws-e')).toHaveLength(1);
    expect(await eraseEmailDeliveries(t().db, 'ws-e')).toBe(1);
  });
});
