/**
 * @module credentials/cipher
 * AES-256-GCM envelopes for credential values, and the derivation of the 256-bit key from the
 * operator's secret.
 *
 * An envelope is `v1.<iv>.<tag>.<ciphertext>` (base64url): a fresh random 12-byte IV per value and
 * GCM's 16-byte authentication tag. The additional data binds a value to its tenant, name and type,
 * so a ciphertext copied into another row (another tenant's, another name) fails to decrypt
 * instead of leaking across.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { WeftError } from '@weft/core';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * scrypt rather than HKDF: the secret is typed by an operator and may be a passphrase, and the
 * database holds a known plaintext (the check value), so whoever copies the file could test guesses
 * offline; scrypt makes each guess cost about 16 MiB and tens of milliseconds. N=2^14, r=8, p=1 is
 * scrypt's interactive setting; the cost is paid once per process and secret (cached below).
 *
 * The salt is fixed: it separates this use of the secret from any other (domain separation), and a
 * per-database salt would buy nothing against the threat it usually addresses (precomputed tables
 * over many users' passwords), since there is one secret per deployment.
 */
const SALT = 'weft/credentials/aes-256-gcm/v1';
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** The shortest secret accepted, in characters. */
export const MIN_SECRET_LENGTH = 32;

const derived = new Map<string, Promise<Buffer>>();

/** Derives the AES-256 key from a secret (at least {@link MIN_SECRET_LENGTH} characters). */
export function deriveKey(secret: string): Promise<Buffer> {
  // Cached by digest so that engines of one process sharing a secret derive it once.
  const id = createHash('sha256').update(secret).digest('hex');
  let key = derived.get(id);
  if (key === undefined) {
    key = new Promise<Buffer>((resolve, reject) =>
      scrypt(secret, SALT, 32, SCRYPT, (error, buf) => (error ? reject(error) : resolve(buf))),
    );
    derived.set(id, key);
  }
  return key;
}

/** Encrypts `plaintext` under `key`, bound to `aad`. */
export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  const b64 = (b: Buffer) => b.toString('base64url');
  return `${VERSION}.${b64(iv)}.${b64(tag)}.${b64(body)}`;
}

/**
 * Decrypts an envelope made by {@link seal} with the same key and `aad`.
 * @throws WeftError `decrypt_failed` for another key, other additional data, or a damaged value;
 *   the message says nothing about the value.
 */
export function open(key: Buffer, envelope: string, aad: string): string {
  const parts = envelope.split('.');
  const [version, iv, tag, body] = parts;
  if (
    parts.length !== 4 ||
    version !== VERSION ||
    iv === undefined ||
    tag === undefined ||
    body === undefined
  ) {
    throw new WeftError('decrypt_failed', 'not an encrypted value of this version of Weft');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new WeftError('decrypt_failed', 'the value cannot be decrypted with this key');
  }
}
