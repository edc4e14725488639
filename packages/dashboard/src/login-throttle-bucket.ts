import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which bucket a client address's failed logins count in. An IPv4 address counts
 * alone, also when mapped into IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket
 * reports); an IPv6 address counts by its /64, the block one host or subscriber is
 * handed, so walking through the addresses of that block gains no more guesses.
 * Anything else (no address at all) is its own bucket.
 */
export function loginThrottleBucket(address: string): string {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an address `isIPv6` accepts (without a zone id). */
function ipv6Groups(address: string): number[] {
  let text = address;
  // A trailing dotted quad (`::ffff:1.2.3.4`) is the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groupsOf = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const [head, rest] = text.split('::');
  const left = groupsOf(head);
  if (rest === undefined) return left;
  const right = groupsOf(rest);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
