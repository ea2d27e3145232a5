/**
 * @module http
 * The `http` node type and the SSRF guard, which other nodes that call out (llm, tool, knowledge)
 * can reuse so that every outbound request obeys the same allow-list.
 */
export { createHttpNode, httpNode, type HttpNodeOptions, type HttpOutput } from './http-node.js';
export { httpParams, HTTP_METHODS, type HttpParams } from './params.js';
export {
  createSsrfGuard,
  type CheckedTarget,
  type Resolver,
  type SsrfGuard,
  type SsrfGuardOptions,
} from './ssrf.js';
export { classifyAddress, classifyIp, type AddressClass, type Classification } from './classify.js';
export { parseAllowList, splitAllowEnv, type AllowList } from './allow-list.js';
export { HTTP_ERROR_CODES, type HttpErrorCode } from './errors.js';
export { parseRetryAfter } from './retry-after.js';
