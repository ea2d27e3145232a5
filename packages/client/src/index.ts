/**
 * @module @weft/client
 * Weft's TypeScript client over HTTP: {@link httpClient} implements the `WeftClient` interface of
 * `@weft/core/client` against a weft server, so code written for the in-process client
 * (`engine.client(tenant)`) runs unchanged against a server.
 */
export { httpClient } from './http-client.js';
export { errorOf, type HttpClientOptions } from './http.js';
export { readSse, type SseMessage } from './sse.js';
export type * from '@weft/core/client';
export { WeftError } from '@weft/core/client';
