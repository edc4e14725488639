import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Response } from 'express';

/**
 * The gateway's own headers of one answer: the request id, rate limits, routing,
 * cache status, cost. Steps set them here rather than with `res.setHeader`.
 *
 * When the gateway writes the answer itself (its router's routes: `sendJson`,
 * `sendError`, `SseWriter`), they are collected and leave in that answer's one
 * `writeHead`, as a flat array: no `setHeader` each (a validation, a lower-casing, an
 * entry in Node's header map), and no merge of that map into the head. They are then
 * not visible through `res.getHeader`; read them with `get`. Where the app's own
 * handler writes the answer (embedded steps), they go to `res.setHeader` at once,
 * since only Node's header map reaches an answer the gateway does not write.
 */
export class ResponseHeaders {
  /**
   * `name, value, name, value …`, names lower-case, the first `count` entries used:
   * handed to `writeHead` as they are. Made with room for 16 headers (a full chain sets
   * about 13): grown a push at a time, its storage would be copied twice per request.
   */
  private readonly pairs: string[] = new Array<string>(32);
  private count = 0;

  /** @param collected whether the gateway writes this answer (see the class). */
  constructor(
    private readonly res: Response,
    readonly collected: boolean,
  ) {}

  /**
   * Sets one header, replacing an earlier value of the same name, as `res.setHeader`
   * does (and, like it, throws on a name or value HTTP does not allow); ignored once
   * the answer has begun.
   */
  set(name: string, value: string): void {
    if (this.res.headersSent) return;
    if (!this.collected) {
      this.res.setHeader(name, value);
      return;
    }
    validateHeaderName(name);
    validateHeaderValue(name, value);
    this.put(lowerCase(name), value);
  }

  /** A header set here (whether collected or already on the response). */
  get(name: string): string | undefined {
    if (!this.collected) {
      const value = this.res.getHeader(name);
      return value === undefined ? undefined : String(value);
    }
    const at = this.indexOf(lowerCase(name));
    return at === -1 ? undefined : this.pairs[at + 1];
  }

  /**
   * The head of the answer being written: the collected headers, then the answer's
   * own (`content-type` …, lower-case), which replace a collected one of the same
   * name as they would a `res.setHeader` one. For the writer of the answer, once:
   * `answerOwn` itself when nothing is collected.
   */
  headFor(answerOwn: string[]): string[] {
    if (!this.collected || this.count === 0) return answerOwn;
    for (let index = 0; index < answerOwn.length; index += 2) this.put(answerOwn[index]!, answerOwn[index + 1]!);
    const pairs = this.pairs;
    pairs.length = this.count;
    return pairs;
  }

  private put(key: string, value: string): void {
    const at = this.indexOf(key);
    if (at !== -1) {
      this.pairs[at + 1] = value;
      return;
    }
    this.pairs[this.count] = key;
    this.pairs[this.count + 1] = value;
    this.count += 2;
  }

  private indexOf(key: string): number {
    const pairs = this.pairs;
    for (let index = 0; index < this.count; index += 2) if (pairs[index] === key) return index;
    return -1;
  }
}

const upperCase = /[A-Z]/;

/** `toLowerCase` makes a new string even when nothing changes; our names are lower-case already. */
function lowerCase(name: string): string {
  return upperCase.test(name) ? name.toLowerCase() : name;
}
