/**
 * @module credentials
 * Credentials encrypted at rest (AES-256-GCM) under a key from `WEFT_SECRET_KEY` or a key file.
 */
export { Credentials } from './credentials.js';
export { SecretKey, CHECK_META_KEY, type SecretKeyOptions } from './secret-key.js';
export { checkCredential, checkName, CREDENTIAL_NAME } from './shapes.js';
export { CREDENTIAL_TYPES } from '@weft/core';
export { MIN_SECRET_LENGTH } from './cipher.js';
