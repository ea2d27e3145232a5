/**
 * @module http/allow-list
 * The operator's exceptions to the SSRF guard (`WEFT_HTTP_ALLOW`): host names, IP addresses and
 * CIDR ranges, IPv4 and IPv6.
 */
import { WeftError } from '@weft/core/plugin';
import { inCidr, low32, parseCidr, type Cidr, type Ip } from './ip.js';

/** A parsed allow-list. */
export interface AllowList {
  /** True when requests to this host name (as WHATWG URL normalised it) are allowed. */
  allowsHost(hostname: string): boolean;
  /** True when connecting to this resolved address is allowed. */
  allowsIp(ip: Ip): boolean;
}

const MAPPED = parseCidr('::ffff:0:0/96') as Cidr;

/**
 * Parses allow-list entries. An entry is a CIDR (`10.0.0.0/8`, `fd00::/8`), an address
 * (`127.0.0.1`, `::1`, `[::1]`), a host name (`localhost`, matched exactly and case-insensitively)
 * or a `*.` wildcard (`*.corp.example`, matching sub-domains only).
 *
 * @throws WeftError `invalid_config` when an entry looks like an address or range but is not one,
 *   so that a typo does not silently leave a service unreachable or, worse, widen the list.
 */
export function parseAllowList(entries: Iterable<string>): AllowList {
  const ranges: Cidr[] = [];
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const cidr = parseCidr(entry.replace(/^\[(.*)\]$/, '$1'));
    if (cidr) {
      ranges.push(cidr);
    } else if (entry.includes('/') || entry.includes(':') || /^[0-9.]+$/.test(entry)) {
      throw new WeftError(
        'invalid_config',
        `WEFT_HTTP_ALLOW entry "${raw.trim()}" is not a valid IP address or CIDR range`,
      );
    } else if (entry.startsWith('*.')) {
      suffixes.push(entry.slice(1).replace(/\.$/, ''));
    } else {
      hosts.add(entry.replace(/\.$/, ''));
    }
  }

  return {
    allowsHost(hostname) {
      const h = hostname.toLowerCase().replace(/\.$/, '');
      return hosts.has(h) || suffixes.some((s) => h.endsWith(s));
    },
    allowsIp(ip) {
      // An IPv4-mapped address reaches the IPv4 host, so IPv4 entries cover it.
      const alt = ip.family === 6 && inCidr(ip, MAPPED) ? low32(ip) : undefined;
      return ranges.some((r) => inCidr(ip, r) || (alt !== undefined && inCidr(alt, r)));
    },
  };
}

/** Splits the `WEFT_HTTP_ALLOW` form: comma- or whitespace-separated entries. */
export function splitAllowEnv(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((e) => e !== '');
}
