import { isJsonTextDeeperThan } from '../http/scan-json-text.js';

/**
 * The deepest nesting read from an upstream's JSON (a whole answer, a stream event,
 * an error body). `JSON.parse` reads any depth, but what the gateway then does with
 * the value does not: `JSON.stringify`, `structuredClone`, `Array.prototype.join`
 * and every recursive walk overflow the stack somewhere past a thousand levels
 * (Node 20's default stack: `structuredClone` of nested objects at ~1,900,
 * `Array.prototype.join` of nested arrays at ~3,100, `JSON.stringify` at ~4,100,
 * fewer below a deep call stack). A hostile or broken upstream answering deeper
 * than that would make the gateway fail with a 500 of its own.
 *
 * Why 512: answers may echo what the client sent (the Responses API echoes `tools`
 * with their JSON-schema `parameters`), which the ingress lets in up to
 * `limits.max_json_depth` (64 by default) plus a few levels of wrapping, so the
 * bound is eight times that default; and it stays under a third of the shallowest
 * overflow above. Nothing a model writes legitimately comes near it.
 */
export const maxUpstreamJsonDepth = 512;

/**
 * What parseUpstreamJson throws for text nested past maxUpstreamJsonDepth: a
 * SyntaxError, so every path that handles an upstream's unreadable JSON handles
 * it the same way. Its message quotes nothing of the text.
 */
export class UpstreamJsonTooDeepError extends SyntaxError {
  override readonly name = 'UpstreamJsonTooDeepError';

  constructor(maxDepth: number) {
    super(`The JSON text is nested deeper than ${maxDepth} levels.`);
  }
}

/**
 * `JSON.parse` for text an upstream sent, refusing text nested deeper than
 * maxUpstreamJsonDepth the way it refuses malformed text: by throwing a
 * SyntaxError (UpstreamJsonTooDeepError). The depth is judged on the text before
 * it is parsed, in one pass that skips string contents; text under 1,026
 * characters (most stream events) is not scanned at all. Provider plugins, the
 * gateway's own and custom ones, use it wherever they parse what the upstream sent.
 */
export function parseUpstreamJson(text: string): unknown {
  if (isJsonTextDeeperThan(text, maxUpstreamJsonDepth)) throw new UpstreamJsonTooDeepError(maxUpstreamJsonDepth);
  return JSON.parse(text);
}
