import { describe, expect, it } from 'vitest';
import { classifyAddress } from './classify.js';
import { formatIp, parseCidr, parseIp } from './ip.js';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['100.100.100.200', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['4000::1', 'reserved'],
    ['fec0::1', 'private'],
    ['64:ff9b:1::a00:1', 'private'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toMatchObject({ global: false, class: cls });
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'loopback', 'ipv4-mapped'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback', 'ipv4-mapped'],
    ['::ffff:169.254.169.254', 'metadata', 'ipv4-mapped'],
    ['::ffff:10.1.2.3', 'private', 'ipv4-mapped'],
    ['64:ff9b::10.0.0.1', 'private', 'nat64'],
    ['64:ff9b::7f00:1', 'loopback', 'nat64'],
    ['64:ff9b::a9fe:a9fe', 'metadata', 'nat64'],
    ['2002:c0a8:0101::1', 'private', '6to4'],
    ['2002:7f00:1::', 'loopback', '6to4'],
  ])('%s wraps a %s IPv4 address (%s)', (address, cls, via) => {
    expect(classifyAddress(address)).toEqual({ global: false, class: cls, via });
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is global', (address) => {
    expect(classifyAddress(address)).toEqual({ global: true });
  });

  // WHATWG URL turns every odd IPv4 spelling into a dotted quad before we see the host.
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
  ])('%s normalises to %s and is not global', (url, host) => {
    const { hostname } = new URL(url);
    expect(hostname).toBe(host);
    expect(classifyAddress(hostname).global).toBe(false);
  });

  it('refuses text that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow(/not an IP address/);
  });
});

describe('ip parsing', () => {
  it.each([
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-1',
    '1::2::3',
    ':1',
    '1:2:3:4:5:6:7:8:9',
    'g::1',
    '::1.2.3',
  ])('%s is not an address', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it.each([
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['[fe80::1]', 'fe80::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s formats as %s', (text, formatted) => {
    const ip = parseIp(text);
    expect(ip).toBeDefined();
    if (ip) expect(formatIp(ip)).toBe(formatted);
  });

  it('parses CIDRs and rejects bad prefixes', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, base: 10n << 24n, prefix: 8 });
    expect(parseCidr('::1')).toMatchObject({ family: 6, prefix: 128 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('::/129')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });
});
