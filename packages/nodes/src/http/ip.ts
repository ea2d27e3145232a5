/**
 * @module http/ip
 * IP addresses and CIDR ranges as integers, so that every range check is one comparison and no
 * textual form (mapped, compressed, zoned) can slip past a string match.
 */

/** A parsed IP address: the 32- or 128-bit value. */
export interface Ip {
  family: 4 | 6;
  value: bigint;
}

/** A parsed CIDR range. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parses canonical dotted-quad IPv4 (`10.0.0.1`). Octal, hex and short forms are refused on
 * purpose: URLs reach us already normalised by WHATWG URL, and DNS answers are canonical, so an
 * odd form here is a malformed allow-list entry rather than an address.
 */
export function parseIpv4(text: string): Ip | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return { family: 4, value };
}

/** Parses IPv6 text, with `::`, an embedded dotted IPv4 tail, optional brackets and zone id. */
export function parseIpv6(text: string): Ip | undefined {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (!s.includes(':')) return undefined;

  const lastColon = s.lastIndexOf(':');
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    // Rewrite the dotted tail as two hex groups so one parser handles every form.
    const v4 = parseIpv4(maybeV4);
    if (!v4) return undefined;
    const hi = (v4.value >> 16n).toString(16);
    const lo = (v4.value & 0xffffn).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hi}:${lo}`;
  }

  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string | undefined): bigint[] | undefined => {
    if (h === undefined || h === '') return [];
    const groups: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      groups.push(BigInt(`0x${g}`));
    }
    return groups;
  };
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  if (!head || !rest) return undefined;
  const explicit = head.length + rest.length;
  let groups: bigint[];
  if (halves.length === 2) {
    if (explicit > 7) return undefined;
    groups = [...head, ...Array<bigint>(8 - explicit).fill(0n), ...rest];
  } else {
    if (explicit !== 8) return undefined;
    groups = head;
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | g;
  return { family: 6, value };
}

/** Parses an IPv4 or IPv6 address; `undefined` when the text is not an IP literal. */
export function parseIp(text: string): Ip | undefined {
  return parseIpv4(text) ?? parseIpv6(text);
}

/** Parses `addr/prefix`, or a bare address as a single-address range. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const bits = BITS[ip.family];
  let prefix: number = bits;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > bits) return undefined;
    prefix = Number(p);
  }
  return { family: ip.family, base: mask(ip.value, bits, prefix), prefix };
}

/** True when `ip` lies in `cidr` (families must match; no implicit IPv4-mapped equivalence). */
export function inCidr(ip: Ip, cidr: Cidr): boolean {
  if (ip.family !== cidr.family) return false;
  return mask(ip.value, BITS[ip.family], cidr.prefix) === cidr.base;
}

/** The IPv4 address in the low 32 bits of an IPv6 value. */
export function low32(ip: Ip): Ip {
  return { family: 4, value: ip.value & 0xffffffffn };
}

/** Formats an address canonically (dotted quad, or fully expanded-then-compressed IPv6). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const groups = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((ip.value >> s) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function mask(value: bigint, bits: number, prefix: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}
