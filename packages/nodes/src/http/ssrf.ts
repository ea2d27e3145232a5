/**
 * @module http/ssrf
 * The SSRF guard: a URL's host is resolved once, every address it resolves to is checked, and the
 * connection is then made through a dispatcher that can only reach those checked addresses. Checking
 * and connecting on the same answer closes the DNS-rebinding gap that a check-then-`fetch` leaves
 * (and Node's global `fetch` ignores `http.Agent` hooks, so it cannot be guarded at all).
 *
 * @example
 * ```ts
 * const guard = createSsrfGuard();
 * const target = await guard.check(new URL('https://api.example.com/'), signal);
 * const dispatcher = guard.dispatcher(target);
 * try { await request(target.url, { dispatcher }); } finally { await dispatcher.destroy(); }
 * ```
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { undici } from './undici.js';
import { WeftError } from '@weft/core/plugin';
import { parseAllowList, splitAllowEnv } from './allow-list.js';
import { classifyIp, type Classification } from './classify.js';
import { abortedError, requestError } from './errors.js';
import { formatIp, parseIp } from './ip.js';

/** Resolves a host name to all its addresses. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface SsrfGuardOptions {
  /**
   * Allow-list entries (host names, `*.` wildcards, IPs, CIDRs).
   * @default the `WEFT_HTTP_ALLOW` environment variable, read at every check so that an operator's
   * change applies without rebuilding the node registry.
   */
  allow?: readonly string[];
  /** @default `dns.lookup` with `all: true`, i.e. what the OS resolver (and /etc/hosts) says. */
  resolve?: Resolver;
}

/** A URL whose host has been resolved and checked; connect only to `addresses`. */
export interface CheckedTarget {
  url: URL;
  /** The host name without IPv6 brackets. */
  hostname: string;
  addresses: LookupAddress[];
}

export interface SsrfGuard {
  /**
   * Resolves and checks a URL's host.
   * @throws WeftError `invalid_url` (not http/https), `ssrf_blocked`, `network_error` (DNS),
   *   `aborted`, `invalid_config` (a malformed allow-list entry).
   * @param kept the allow-list kept with the run (`NodeContext.hostAllow`), added to the
   *   environment's when no fixed `allow` was given.
   */
  check(url: URL, signal: AbortSignal, kept?: readonly string[]): Promise<CheckedTarget>;
  /**
   * A dispatcher whose connections go to the target's checked addresses only; TLS SNI and the
   * Host header keep the host name. One per target: destroy it when the response is read.
   */
  dispatcher(target: CheckedTarget): Agent;
}

const defaultResolve: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Creates the SSRF guard. */
export function createSsrfGuard(options: SsrfGuardOptions = {}): SsrfGuard {
  const resolve = options.resolve ?? defaultResolve;
  return {
    async check(url, signal, kept = []) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new WeftError(
          'invalid_url',
          `${url.protocol.slice(0, -1)}: URLs are not supported; use http or https`,
        );
      }
      // A fixed list replaces both; otherwise the run's kept list adds to this process's own.
      const allow = parseAllowList(
        options.allow ?? [...splitAllowEnv(process.env['WEFT_HTTP_ALLOW']), ...kept],
      );
      const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const literal = parseIp(hostname);
      const addresses = literal
        ? [{ address: hostname, family: literal.family }]
        : await resolveOnce(resolve, hostname, signal);
      if (addresses.length === 0) {
        throw new WeftError('network_error', `${hostname} resolved to no address`, {
          retryable: true,
        });
      }
      if (allow.allowsHost(hostname)) return { url, hostname, addresses };
      for (const { address } of addresses) {
        const ip = parseIp(address);
        const verdict: Classification = ip ? classifyIp(ip) : { global: false, class: 'reserved' };
        if (verdict.global || (ip && allow.allowsIp(ip))) continue;
        throw blocked(hostname, literal ? formatIp(literal) : address, verdict);
      }
      return { url, hostname, addresses };
    },

    dispatcher(target) {
      const lookup: LookupFunction = (hostname, opts, callback) => {
        // Only the checked host ever reaches this agent; anything else means a bug, not a route.
        if (hostname.replace(/^\[(.*)\]$/, '$1') !== target.hostname) {
          callback(
            Object.assign(new Error(`unexpected lookup of ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
          return;
        }
        const wanted = opts.family === 4 || opts.family === 6 ? opts.family : undefined;
        const pool = target.addresses.filter((a) => wanted === undefined || a.family === wanted);
        const first = pool[0];
        if (!first) {
          callback(
            Object.assign(new Error(`no IPv${wanted} address for ${hostname}`), {
              code: 'ENOTFOUND',
            }),
            '',
            0,
          );
        } else if (opts.all === true) {
          callback(null, pool);
        } else {
          callback(null, first.address, first.family);
        }
      };
      return new (undici().Agent)({ connect: { lookup } });
    },
  };
}

async function resolveOnce(
  resolve: Resolver,
  hostname: string,
  signal: AbortSignal,
): Promise<LookupAddress[]> {
  if (signal.aborted) throw abortedError(`lookup of ${hostname}`, signal);
  // The OS resolver cannot be cancelled; stop waiting for it when the node is aborted.
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortedError(`lookup of ${hostname}`, signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([resolve(hostname), aborted]);
  } catch (error) {
    throw requestError(error, `lookup of ${hostname}`, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function blocked(
  host: string,
  address: string,
  verdict: Classification & { global: false },
): WeftError {
  const kind = verdict.via === undefined ? verdict.class : `${verdict.class}, ${verdict.via}`;
  const where =
    host === address || parseIp(host) ? `${address} (${kind})` : `${host} (${address}: ${kind})`;
  return new WeftError(
    'ssrf_blocked',
    `request to ${where} refused: private, loopback, link-local and metadata addresses are blocked; ` +
      `allow it with WEFT_HTTP_ALLOW=${parseIp(host) ? address : host}`,
    { details: { host, address, class: verdict.class, via: verdict.via }, level: 'user' },
  );
}
