/**
 * @module http/classify
 * Which addresses an outbound request may reach. Everything that is not plainly global unicast is
 * refused: the ranges below are where internal services, cloud metadata endpoints and routers
 * live, and IPv6 transition forms that embed an IPv4 address are judged by that address.
 */
import { inCidr, low32, parseCidr, parseIp, type Cidr, type Ip } from './ip.js';

/** The class of a non-global address, as named in `ssrf_blocked` messages. */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'unique-local';

/** How an address was classified: `global`, or its class and the IPv6 wrapper it came in. */
export type Classification =
  { global: true } | { global: false; class: AddressClass; via?: 'ipv4-mapped' | 'nat64' | '6to4' };

type Table = ReadonlyArray<readonly [Cidr, AddressClass]>;

const table = (rows: ReadonlyArray<readonly [string, AddressClass]>): Table =>
  rows.map(([text, cls]) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`bad range in the SSRF table: ${text}`);
    return [cidr, cls] as const;
  });

// More specific ranges first: the first match names the class.
const V4 = table([
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OpenStack
  ['168.63.129.16/32', 'metadata'], // Azure WireServer: public-looking, host-only
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'], // also holds Alibaba's metadata 100.100.100.200
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const V6 = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'metadata'], // AWS IMDS over IPv6
  ['100::/64', 'reserved'], // discard-only
  ['2001::/32', 'reserved'], // Teredo: the embedded IPv4 is obfuscated, so refuse it whole
  ['2001:2::/48', 'reserved'], // benchmarking
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['64:ff9b:1::/48', 'private'], // local-use NAT64
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // deprecated site-local
  ['ff00::/8', 'multicast'],
]);

const MAPPED = parseCidr('::ffff:0:0/96') as Cidr;
const COMPATIBLE = parseCidr('::/96') as Cidr;
const NAT64 = parseCidr('64:ff9b::/96') as Cidr;
const SIX_TO_FOUR = parseCidr('2002::/16') as Cidr;
const GLOBAL_UNICAST = parseCidr('2000::/3') as Cidr;

/** Classifies a parsed address. */
export function classifyIp(ip: Ip): Classification {
  if (ip.family === 4) return lookup(V4, ip) ?? { global: true };
  const listed = lookup(V6, ip);
  if (listed) return listed;
  // The wrappers below reach the embedded IPv4 host, so that host decides.
  if (inCidr(ip, MAPPED)) return wrapped(low32(ip), 'ipv4-mapped');
  if (inCidr(ip, NAT64)) return wrapped(low32(ip), 'nat64');
  if (inCidr(ip, SIX_TO_FOUR)) {
    return wrapped({ family: 4, value: (ip.value >> 80n) & 0xffffffffn }, '6to4');
  }
  // Deprecated IPv4-compatible form: some stacks still route it to the IPv4 host.
  if (inCidr(ip, COMPATIBLE)) return { global: false, class: 'reserved' };
  return inCidr(ip, GLOBAL_UNICAST) ? { global: true } : { global: false, class: 'reserved' };
}

/**
 * Classifies an address given as text (any form {@link parseIp} reads).
 * @throws Error when the text is not an IP address.
 */
export function classifyAddress(text: string): Classification {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an IP address: ${text}`);
  return classifyIp(ip);
}

function lookup(rows: Table, ip: Ip): Classification | undefined {
  for (const [cidr, cls] of rows) if (inCidr(ip, cidr)) return { global: false, class: cls };
  return undefined;
}

function wrapped(v4: Ip, via: 'ipv4-mapped' | 'nat64' | '6to4'): Classification {
  const inner = classifyIp(v4);
  return inner.global ? inner : { global: false, class: inner.class, via };
}
