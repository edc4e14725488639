import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../src/login-throttle.js';
import { loginThrottleBucket } from '../src/login-throttle-bucket.js';

describe('loginThrottleBucket', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:102:304', '1.2.3.4'],
    ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
    ['0000:0000:0000:0000:0000:FFFF:0102:0304', '1.2.3.4'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:0:0:ffff:ffff:ffff:ffff', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0000::abcd', '2001:db8:0:0::/64'],
    ['2001:db8::1%eth0', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:1::1.2.3.4', '2001:db8:0:0::/64'],
    ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['fe80::2%25en0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('%s counts as %s', (address, bucket) => {
    expect(loginThrottleBucket(address)).toBe(bucket);
  });
});

describe('LoginThrottle', () => {
  it('counts every address of one IPv6 /64 together, and no other', () => {
    const throttle = new LoginThrottle(10, 60_000, () => 0);
    for (let host = 1; host <= 10; host++) {
      expect(throttle.allows(`2001:db8:1:2::${host.toString(16)}`)).toBe(true);
      throttle.recordFailure(`2001:db8:1:2::${host.toString(16)}`);
    }
    expect(throttle.allows('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(false);
    expect(throttle.allows('2001:0db8:0001:0002::beef%eth0')).toBe(false);
    expect(throttle.allows('2001:db8:1:3::1')).toBe(true);
  });

  it('counts an IPv4 address alone, mapped into IPv6 or not', () => {
    const throttle = new LoginThrottle(10, 60_000, () => 0);
    for (let attempt = 0; attempt < 5; attempt++) throttle.recordFailure('198.51.100.7');
    for (let attempt = 0; attempt < 5; attempt++) throttle.recordFailure('::ffff:198.51.100.7');
    expect(throttle.allows('198.51.100.7')).toBe(false);
    expect(throttle.allows('::ffff:198.51.100.8')).toBe(true);
    expect(throttle.allows('198.51.100.8')).toBe(true);
  });
});

describe('LoginThrottle.begin', () => {
  it('counts a try from its begin to its end, and as a failure only when it failed', () => {
    const throttle = new LoginThrottle(3);
    const tries = [throttle.begin('198.51.100.9'), throttle.begin('198.51.100.9'), throttle.begin('198.51.100.9')];
    expect(tries.every((attempt) => attempt !== undefined)).toBe(true);
    expect(throttle.begin('198.51.100.9')).toBeUndefined();
    tries[0]!.end(false);
    tries[0]!.end(true); // a second end is nothing
    const again = throttle.begin('198.51.100.9');
    expect(again).toBeDefined();
    again!.end(true);
    tries[1]!.end(true);
    tries[2]!.end(true);
    expect(throttle.begin('198.51.100.9')).toBeUndefined();
    expect(throttle.begin('198.51.100.10')).toBeDefined();
  });
});
