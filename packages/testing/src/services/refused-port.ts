import { connect } from 'node:net';

/**
 * Port 4 (unassigned by IANA). Below 1024 on purpose: `listen(0)` hands out ports from
 * the ephemeral range only (Linux: /proc/sys/net/ipv4/ip_local_port_range, 32768-60999
 * by default; macOS and Windows: 49152-65535), so no test, in this process or in a
 * parallel one, can be given it. Not 1, 7 or 9: fetch refuses those "bad ports" itself
 * (`TypeError: fetch failed`, cause `bad port`) without connecting, so a test would not
 * see a refused connection at all.
 */
const REFUSED_PORT = 4;

let checked: Promise<number> | undefined;

/**
 * A loopback port that refuses connections: the upstream or Redis that is not there.
 *
 * Not "listen on 0, note the port, close": between that close and the test's use,
 * another test file (vitest runs files in parallel) may be handed the same port by its
 * own listen(0), and the "unreachable" server then answers. A port outside the
 * ephemeral range cannot be handed out that way. The refusal is checked once per
 * process, so a machine that does serve the port fails here, saying why, rather than
 * in a test that expected nothing to answer.
 */
export function refusedPort(): Promise<number> {
  checked ??= new Promise<number>((resolve, reject) => {
    const socket = connect(REFUSED_PORT, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error(`refusedPort(): something listens on 127.0.0.1:${REFUSED_PORT}; tests need that port to refuse connections`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve(REFUSED_PORT);
      else reject(new Error(`refusedPort(): connecting to 127.0.0.1:${REFUSED_PORT} failed with ${error.code ?? error.message}, not ECONNREFUSED`));
    });
  });
  return checked;
}
