/**
 * @module keys
 * API keys per tenant: stored hashed (`weft keys create`) or given in `WEFT_API_KEYS`.
 */
export {
  ApiKeys,
  checkTenant,
  hashKey,
  TENANT,
  type CreatedKey,
  type KeyResolver,
  type KeySummary,
} from './keys.js';
export { keyResolver, parseApiKeys, staticKeys } from './env-keys.js';
