/**
 * What a provider call made by the core tells the attempt it came from once its
 * upstream request went out (the transport wrote it on a connected socket, or a
 * provider plugin's own operation was handed it): an attempt hung up on after that (the
 * client left, the gateway gave up) is billed the prompt's estimate, since the upstream
 * has the prompt and has begun on it; before it, nothing (docs/pricing.md, "A client
 * that leaves before the answer").
 */
export interface SentNotice {
  upstreamRequestSent(): void;
  /**
   * The upstream answered 2xx and its body then broke off (a reset, a silence past
   * `timeouts.body_ms`, a bound's cut): it was billed the prompt, so the attempt is too,
   * although no usage came.
   */
  upstreamAnswerCut?(): void;
  /**
   * The answer's head came, with this status: after a 2xx the provider took the request and
   * read its prompt, so an answer the gateway then cannot read (`upstream_invalid_response`)
   * is billed the prompt too, as a cut one is.
   */
  upstreamAnswered?(statusCode: number): void;
}

/**
 * Where a provider call keeps the attempt it came from (not enumerable: a spread of
 * the call leaves it behind). The attempt is the call's SentNotice.
 */
export const callSource = Symbol('switchyard.callSource');

/** The notice of a provider call the core made; undefined for a call a plugin made itself. */
export function sentNoticeOf(call: object): SentNotice | undefined {
  return (call as { [callSource]?: SentNotice })[callSource];
}
