import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where the system's ephemeral ports begin: Linux says so in /proc; elsewhere 32768
 * is below every default (macOS and Windows begin at 49152).
 */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Math.min(Number(low) || 32768, 32768);
  } catch {
    return 32768;
  }
}

function freeOnLoopback(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A free loopback port for a child that must be told which port to listen on (a README
 * server reading PORT, `switchyard start --port N`), when it cannot take port 0 and say
 * which it got, or for a server that closes its port and listens on it again (the TCP
 * relay's `refuse` mode).
 *
 * Not "listen on 0, note the port, close": that port is in the ephemeral range, which
 * every listen(0) and every outgoing connection of the test files running in parallel
 * draws from, so one of them can take it before the child listens. This one is drawn at
 * random from 10000 up to where the ephemeral range begins, which neither ever uses;
 * only a test picking from this same range could meet it.
 */
export async function portOutsideEphemeralRange(): Promise<number> {
  const low = 10_000;
  const high = ephemeralStart();
  for (let tries = 0; tries < 50; tries++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await freeOnLoopback(port)) return port;
  }
  throw new Error(`no free loopback port between ${low} and ${high} in 50 tries`);
}
