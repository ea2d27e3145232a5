import { describe, expect, it } from 'vitest';
import { parseAllowList, splitAllowEnv } from './allow-list.js';
import { parseIp, type Ip } from './ip.js';

const ip = (text: string): Ip => {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`bad test address ${text}`);
  return parsed;
};

describe('parseAllowList', () => {
  const list = parseAllowList(
    splitAllowEnv('127.0.0.1, 10.0.0.0/8 fd00::/8,[::1],Internal.Example.,*.corp.example'),
  );

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['10.200.3.4', true],
    ['11.0.0.1', false],
    ['fd12::1', true],
    ['fe80::1', false],
    ['::1', true],
    // an IPv4-mapped address reaches the IPv4 host, so the IPv4 entry covers it
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.9.9.9', true],
    ['::ffff:192.168.0.1', false],
  ])('address %s allowed: %s', (address, allowed) => {
    expect(list.allowsIp(ip(address))).toBe(allowed);
  });

  it.each([
    ['internal.example', true],
    ['INTERNAL.example.', true],
    ['other.example', false],
    ['db.corp.example', true],
    ['a.b.corp.example', true],
    ['corp.example', false],
    ['evilcorp.example', false],
  ])('host %s allowed: %s', (host, allowed) => {
    expect(list.allowsHost(host)).toBe(allowed);
  });

  it('allows nothing when empty', () => {
    const empty = parseAllowList(splitAllowEnv(undefined));
    expect(empty.allowsHost('localhost')).toBe(false);
    expect(empty.allowsIp(ip('127.0.0.1'))).toBe(false);
  });

  it.each(['10.0.0.0/33', '10.0.0', '::g', 'fd00::/200', 'example.com/8'])(
    'refuses the malformed entry %s loudly',
    (entry) => {
      expect(() => parseAllowList([entry])).toThrow(
        expect.objectContaining({ code: 'invalid_config' }),
      );
    },
  );
});
