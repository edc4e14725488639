import type { ServerSentEvent } from './server-sent-event.js';

const LF = 10;
const CR = 13;
const SPACE = 32;
const COLON = 58;

/**
 * The text of a text/event-stream body, fed piece by piece, as events (the WHATWG
 * rules, as eventsource-parser reads them): lines end with LF, CRLF or CR; a field
 * is `name: value` with one optional space; `data` lines join with LF; a blank line
 * ends an event, which is sent only when it had data; comments (`:`) and fields
 * other than data, event and id are skipped; an id holding a NUL is ignored. The id
 * and name belong to the one event they came with.
 *
 * Its own rather than eventsource-parser's: that one builds about 750 bytes of
 * closures for every stream, this one a handful of fields.
 */
export class SseEventParser {
  /** The end of the text fed so far when it is not a whole line yet. */
  private partial = '';
  private data = '';
  private dataLines = 0;
  private event: string | undefined;
  private id: string | undefined;

  /** Reads the lines this text completes; the events they end are pushed to `into`. */
  feed(text: string, into: ServerSentEvent[]): void {
    const input = this.partial === '' ? text : this.partial + text;
    let start = 0;
    // Where the next CR and LF are (-1: none left), looked up again only once passed.
    let cr = input.indexOf('\r');
    let lf = input.indexOf('\n');
    while (start < input.length) {
      if (cr !== -1 && cr < start) cr = input.indexOf('\r', start);
      if (lf !== -1 && lf < start) lf = input.indexOf('\n', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      // A CR last in the text may be the first half of a CRLF: wait for what follows.
      if (end === -1 || (end === cr && end === input.length - 1)) break;
      this.line(input, start, end, into);
      start = end + 1;
      if (end === cr && input.charCodeAt(start) === LF) start++;
    }
    this.partial = start === 0 ? input : input.slice(start);
  }

  private line(input: string, start: number, end: number, into: ServerSentEvent[]): void {
    if (start === end) {
      this.dispatch(into);
      return;
    }
    let nameEnd = start;
    while (nameEnd < end && input.charCodeAt(nameEnd) !== COLON) nameEnd++;
    if (nameEnd === start) return; // a comment
    let valueStart = nameEnd + 1;
    if (valueStart < end && input.charCodeAt(valueStart) === SPACE) valueStart++;
    const value = valueStart < end ? input.slice(valueStart, end) : '';
    if (isField(input, start, nameEnd, 'data')) {
      this.data = this.dataLines === 0 ? value : `${this.data}\n${value}`;
      this.dataLines++;
    } else if (isField(input, start, nameEnd, 'event')) {
      this.event = value === '' ? undefined : value;
    } else if (isField(input, start, nameEnd, 'id')) {
      if (!value.includes('\0')) this.id = value;
    }
  }

  private dispatch(into: ServerSentEvent[]): void {
    // Keys in the order eventsource-parser wrote them, so events keep one shape.
    if (this.dataLines > 0) into.push({ id: this.id, event: this.event, data: this.data });
    this.id = undefined;
    this.event = undefined;
    this.data = '';
    this.dataLines = 0;
  }
}

function isField(input: string, start: number, end: number, name: string): boolean {
  return end - start === name.length && input.startsWith(name, start);
}
