import { describe, expect, it } from 'vitest';
import { bodyStart } from '../src/transport/body-start.js';
import { UpstreamBody } from '../src/transport/upstream-body.js';

const flow = { pause() {}, resume() {}, abort() {} };
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The verdict on a body fed `pieces` one at a time (each after the look began), then ended when `end`. */
async function startOf(pieces: string[], end = true): Promise<{ verdict: string; left: string | undefined }> {
  const body = new UpstreamBody(flow);
  const verdict = bodyStart(body);
  for (const piece of pieces) {
    await tick();
    body.push(Buffer.from(piece));
  }
  if (end) body.end();
  const judged = await verdict;
  return { verdict: judged, left: body.read()?.toString() };
}

describe('bodyStart', () => {
  it.each([
    [['data: {"a":1}\n\n'], 'event-stream'],
    [['\r\n', '\n  ', 'da', 'ta:x\n\n'], 'event-stream'],
    [['\ufeffevent: ping\n'], 'event-stream'],
    [[': keep-alive\n\n'], 'event-stream'],
    [['id:', '1\n'], 'event-stream'],
    [['retry: 10\n'], 'event-stream'],
    [['  {"error":{}}'], 'json'],
    [['[1]'], 'json'],
    [['dat'], 'other'],
    [['database'], 'other'],
    [['<html>'], 'other'],
    [['\n\n'], 'other'],
    [[], 'other'],
  ])('%j begins %s, and is left to be read whole', async (pieces, expected) => {
    const { verdict, left } = await startOf(pieces);
    expect(verdict).toBe(expected);
    expect(left).toBe(pieces.length === 0 ? undefined : pieces.join(''));
  });

  it('waits for the bytes that tell, without the end', async () => {
    expect((await startOf(['\n', 'ev', 'ent:'], false)).verdict).toBe('event-stream');
  });

  it('gives up on a start of blanks longer than it looks at, without the end', async () => {
    expect((await startOf([' '.repeat(600), '\n'.repeat(600)], false)).verdict).toBe('other');
  });
});
