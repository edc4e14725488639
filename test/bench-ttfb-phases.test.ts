import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain-JS bench module, without types
import { phasesOf } from '../bench/ttfb-phases.js';

// The strace lines bench/ttfb-phases.js reads, as `strace -ttt -e trace=read,write,writev -s 32` writes them.
const request = (at: number) => [
  `${at.toFixed(6)} read(27, "POST /v1/chat/completions HTTP/1"..., 65536) = 1171`,
  `${(at + 0.0001).toFixed(6)} futex(0x35509c28, FUTEX_WAKE_PRIVATE, 1) = 1`,
  `${(at + 0.0003).toFixed(6)} writev(28, [{iov_base="POST /v1/chat/completions HTTP/1"..., iov_len=192}, {iov_base="{"..., iov_len=1011}], 2) = 1203`,
  `${(at + 0.0006).toFixed(6)} epoll_pwait(14, [{events=EPOLLIN, data={u32=28, u64=28}}], 1024, 0, NULL, 8) = 1`,
  `${(at + 0.0007).toFixed(6)} read(28, "HTTP/1.1 200 OK\\r\\ncontent-type: t"..., 65536) = 4470`,
  `${(at + 0.0009).toFixed(6)} writev(27, [{iov_base="HTTP/1.1 200 OK\\r\\nx-request-id: r"..., iov_len=664}], 5) = 3109`,
];

describe('bench/ttfb-phases.js phasesOf', () => {
  it('splits each request at the upstream: request read → written upstream, answer read → client written', () => {
    const { toUpstream, toClient } = phasesOf([...request(100), ...request(101)].join('\n'));
    expect(toUpstream.map((s: number) => Math.round(s * 1e6))).toEqual([300, 300]);
    expect(toClient.map((s: number) => Math.round(s * 1e6))).toEqual([200, 200]);
  });

  it('reads a proxy that writes with write() as well, and skips a request whose calls are out of order', () => {
    const proxy = request(200).map((line) => line.replace('writev(28, [{iov_base="POST', 'write(28, "POST'));
    const cut = request(300).slice(0, 2); // read, never sent upstream: the next request starts over
    const { toUpstream, toClient } = phasesOf([...cut, ...proxy].join('\n'));
    expect(toUpstream).toHaveLength(1);
    expect(toClient).toHaveLength(1);
    expect(Math.round(toUpstream[0] * 1e6)).toBe(300);
  });
});
