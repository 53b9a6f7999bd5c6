import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCredentialCipher } from '@opsconductor/db';
import { keysCommandEnv } from '../../../services/db/src/keys-cli';
import { CREDENTIALS_KEY_FILE, ensureCredentialsKey } from '../src/credentials-key';

describe('the local mesh credentials key', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'oc-credkey-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is made once, kept where only its owner reads it, and is a key the cipher takes', () => {
    const first = ensureCredentialsKey({}, dataDir);
    expect(first.file).toBe(path.join(dataDir, CREDENTIALS_KEY_FILE));
    expect(statSync(first.file as string).mode & 0o777).toBe(0o600);
    expect(() => createCredentialCipher(first.key)).not.toThrow();
    expect(ensureCredentialsKey({}, dataDir).key).toBe(first.key);
  });

  it('gives way to CREDENTIALS_ENCRYPTION_KEY from the environment, writing nothing', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(ensureCredentialsKey({ CREDENTIALS_ENCRYPTION_KEY: key }, dataDir)).toEqual({ key });
    expect(() => statSync(path.join(dataDir, CREDENTIALS_KEY_FILE))).toThrow();
  });

  it('is the key `pnpm keys` uses when the environment names none', () => {
    const { key } = ensureCredentialsKey({}, dataDir);
    const env = { PGLITE_DIR: path.join(dataDir, 'pglite') };
    expect(keysCommandEnv(env).env.CREDENTIALS_ENCRYPTION_KEY).toBe(key);
    const own = Buffer.alloc(32, 2).toString('base64');
    expect(keysCommandEnv({ ...env, CREDENTIALS_ENCRYPTION_KEY: own }).env.CREDENTIALS_ENCRYPTION_KEY).toBe(own);
    expect(keysCommandEnv({ PGLITE_DIR: path.join(tmpdir(), 'nowhere', 'pglite') }).env.CREDENTIALS_ENCRYPTION_KEY).toBeUndefined();
  });
});
