/**
 * Encryption at rest of the secrets a workspace stores (mail account passwords): AES-256-GCM
 * under CREDENTIALS_ENCRYPTION_KEY, with a fresh nonce per value and the owner (workspace and
 * what the secret is for) as associated data, so a ciphertext moved to another row fails to
 * decrypt instead of handing one workspace another's password.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Format tag: bump it when the scheme changes, so old rows can still be read and re-written. */
const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class CredentialKeyError extends Error {}

/** A stored secret that cannot be read with this key (another key, altered, another owner). */
export class CredentialDecryptError extends Error {}

export interface CredentialCipher {
  encrypt(plaintext: string, owner: string): string;
  decrypt(stored: string, owner: string): string;
}

export const CREDENTIALS_KEY_HINT = 'CREDENTIALS_ENCRYPTION_KEY must be 32 random bytes in base64 (openssl rand -base64 32)';

/** Reads CREDENTIALS_ENCRYPTION_KEY: exactly 32 bytes as base64. Throws CredentialKeyError naming the variable, never its value. */
export function createCredentialCipher(keyBase64: string): CredentialCipher {
  const trimmed = keyBase64.trim();
  // Node's base64 decoder skips characters it does not know; a strict shape catches a truncated or hex key.
  if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) throw new CredentialKeyError(CREDENTIALS_KEY_HINT);
  const key = Buffer.from(trimmed, 'base64');
  return {
    encrypt(plaintext, owner) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(owner));
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, nonce.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join('.');
    },
    decrypt(stored, owner) {
      const [version, nonce, tag, sealed, ...rest] = stored.split('.');
      if (version !== VERSION || nonce === undefined || tag === undefined || sealed === undefined || rest.length > 0) {
        throw new CredentialDecryptError('the stored secret is not in a known format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(owner));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
      } catch (err) {
        throw new CredentialDecryptError('the stored secret does not decrypt with CREDENTIALS_ENCRYPTION_KEY (another key, or an altered row)', { cause: err });
      }
    },
  };
}
