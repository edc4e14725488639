import type { UpstreamBody } from './upstream-body.js';

/** How an answer's body begins, after blanks: an SSE field or comment, a JSON object or array, or anything else. */
export type BodyStart = 'event-stream' | 'json' | 'other';

/** Past this many bytes of blanks (or of an undecided start) the body is judged `other`; well under the body's high-water mark, so the wait always ends. */
const maxLookBytes = 1024;

/** The field names an SSE line may begin with (WHATWG HTML, "Interpreting an event stream"), as bytes. */
const sseFields = ['data:', 'event:', 'id:', 'retry:'].map((field) => Buffer.from(field));

/**
 * Waits for the first non-blank bytes of an answer and says what they begin, leaving
 * them to be read. Used only for a stream request whose answer's content type does not
 * say it is an event stream (`application/json`, or none), to read it the way it came.
 */
export async function bodyStart(body: UpstreamBody): Promise<BodyStart> {
  for (;;) {
    const start = body.peek();
    const verdict = judge(start, body.closed);
    if (verdict !== undefined) return verdict;
    if (start !== undefined && start.length >= maxLookBytes) return 'other';
    await body.arrival();
  }
}

/** What `bytes` begin; undefined when more of them must arrive to tell. */
function judge(bytes: Buffer | undefined, complete: boolean): BodyStart | undefined {
  let at = 0;
  if (bytes !== undefined) {
    // A UTF-8 byte order mark, then blanks.
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) at = 3;
    while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d)) at++;
  }
  if (bytes === undefined || at >= bytes.length) return complete ? 'other' : undefined;
  const first = bytes[at];
  if (first === 0x7b || first === 0x5b) return 'json';
  if (first === 0x3a) return 'event-stream';
  let undecided = false;
  for (const field of sseFields) {
    const seen = Math.min(field.length, bytes.length - at);
    if (bytes.compare(field, 0, seen, at, at + seen) !== 0) continue;
    if (seen === field.length) return 'event-stream';
    undecided = true;
  }
  return undecided && !complete ? undefined : 'other';
}
