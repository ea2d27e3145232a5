/**
 * @module triggers/signature
 * Webhook signatures, in the scheme Stripe made familiar:
 *
 * ```
 * X-Weft-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * ```
 *
 * The timestamp is inside the signed text, so it cannot be changed without the secret; a request
 * whose timestamp is more than the tolerance (5 minutes) from now is refused as a replay. Several
 * `v1=` entries may be sent (e.g. while rotating a secret): one matching is enough. Comparisons take
 * the same time whatever the bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WeftError } from '@weft/core';

export const SIGNATURE_HEADER = 'x-weft-signature';
/** How far a signature's timestamp may be from now, either way. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

/** Why a request was refused; all are WeftError `unauthorized` (HTTP 401). */
export type SignatureProblem =
  'missing_signature' | 'malformed_signature' | 'stale_signature' | 'bad_signature';

const toBuffer = (body: string | Uint8Array): Buffer =>
  typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

/** The hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function computeSignature(
  secret: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`, 'utf8')
    .update(toBuffer(body))
    .digest('hex');
}

/**
 * The header value for a body, as a sender computes it.
 * @param timestamp - unix seconds. @default now
 */
export function signWebhook(
  secret: string,
  body: string | Uint8Array,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;
}

/**
 * Checks a request's signature header.
 * @returns the signature that matched (it identifies the exact request, for replay dedup)
 * @throws WeftError `unauthorized` with `details.reason` a {@link SignatureProblem}
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string | Uint8Array,
  now: number,
  toleranceMs = SIGNATURE_TOLERANCE_MS,
): { timestamp: number; signature: string } {
  if (header === undefined || header.trim() === '') {
    throw refuse(
      'missing_signature',
      'missing X-Weft-Signature header: this webhook requires a signature (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">)',
    );
  }
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === undefined || candidates.length === 0) {
    throw refuse(
      'malformed_signature',
      'malformed X-Weft-Signature header: expected t=<unix seconds>,v1=<64 hex digits>',
    );
  }
  if (Math.abs(now - timestamp * 1000) > toleranceMs) {
    throw refuse(
      'stale_signature',
      `X-Weft-Signature timestamp is more than ${Math.round(toleranceMs / 1000)} s from the server's time: a replayed request, or a clock to set right`,
    );
  }
  const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex');
  let match: string | undefined;
  // Every candidate is compared: the time taken does not say which one (if any) matched.
  for (const c of candidates) if (timingSafeEqual(Buffer.from(c, 'hex'), expected)) match ??= c;
  if (match === undefined)
    throw refuse('bad_signature', 'X-Weft-Signature does not match the request body');
  return { timestamp, signature: match };
}

function refuse(reason: SignatureProblem, message: string): WeftError {
  return new WeftError('unauthorized', message, { details: { reason } });
}
