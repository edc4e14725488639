import { GatewayError, isGatewayError, toGatewayError } from './gateway-error.js';
import type { SecretRedactor } from './redact-secrets.js';

/** Longest message a client sees from an upstream; cut after redaction so no half secret is left. */
export const maxErrorMessageLength = 2048;

/** Causes followed when rebuilding an error chain; deeper ones are dropped. */
const maxCauseDepth = 4;

/**
 * The choke point for a provider's words: whatever a provider operation threw
 * (an adapter's mapped error, a stream decoder's in-stream error, a JSON parse
 * failure quoting the body) becomes a GatewayError whose message, param and whole
 * cause chain (message and stack, which logs print) have every secret blanked.
 * Runs on decoded text, so a key the upstream JSON-escaped is caught too.
 */
export function redactGatewayError(error: unknown, redactor: SecretRedactor): GatewayError {
  // A GatewayError from another copy of core keeps its code (toGatewayError adopts it); anything else is wrapped.
  const gatewayError = isGatewayError(error) ? toGatewayError(error) : toGatewayError(redactCause(error, redactor, 0));
  return new GatewayError(gatewayError.code, bounded(redactor.redact(gatewayError.message)), {
    param: gatewayError.param === null ? null : bounded(redactor.redact(gatewayError.param)),
    retryable: gatewayError.retryable,
    ...(gatewayError.retryAfterSeconds !== undefined && { retryAfterSeconds: gatewayError.retryAfterSeconds }),
    ...(gatewayError.upstreamStatus !== undefined && { upstreamStatus: gatewayError.upstreamStatus }),
    ...(gatewayError.provider !== undefined && { provider: gatewayError.provider }),
    ...(gatewayError.billedUsage !== undefined && { billedUsage: gatewayError.billedUsage }),
    ...(gatewayError.requestedByClient && { requestedByClient: true }),
    ...(gatewayError.cause !== undefined && { cause: redactCause(gatewayError.cause, redactor, 0) }),
  });
}

/** A plain Error with the same name, message and stack, redacted; causes follow up to a depth. */
function redactCause(cause: unknown, redactor: SecretRedactor, depth: number): Error {
  const original = cause instanceof Error ? cause : undefined;
  const message =
    original instanceof SyntaxError && original.name !== 'UpstreamJsonTooDeepError'
      ? withoutQuotedText(original.message)
      : redactor.redact(original ? original.message : String(cause));
  const next = original?.cause !== undefined && depth + 1 < maxCauseDepth ? redactCause(original.cause, redactor, depth + 1) : undefined;
  const copy = new Error(message, next === undefined ? undefined : { cause: next });
  copy.name = original?.name ?? 'Error';
  // The stack's first line repeats the message: rebuild it from the redacted one.
  const frames = original?.stack?.indexOf('\n    at ') ?? -1;
  copy.stack = `${copy.name}: ${message}${frames >= 0 ? redactor.redact(original!.stack!.slice(frames)) : ''}`;
  const code = (original as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') (copy as Error & { code?: string }).code = code;
  return copy;
}

/**
 * JSON.parse quotes a slice of the text it could not read (`Unexpected token 'x',
 * "…" is not valid JSON`); the slice may hold part of a secret, too little to
 * recognise. Only the position is kept. The refusal of text nested too deep
 * (parseUpstreamJson: a SyntaxError of its own name, in any copy of core) quotes
 * nothing and is kept as it says.
 */
function withoutQuotedText(message: string): string {
  const position = /at position \d+/.exec(message)?.[0];
  return position ? `The text is not valid JSON (${position}).` : 'The text is not valid JSON.';
}

/** A terminal control sequence (`ESC [ 31 m`, a colour): the whole of it, not the ESC alone. */
const controlSequence = /\u001b\[[0-?]*[ -/]*[@-~]/g;
/** A run of white space, control characters (NUL, ESC, NEL) and format characters (bidi overrides, zero-width marks). */
const unprintableRun = /[\s\p{Cc}\p{Cf}]+/gu;

/**
 * A provider's words as a client reads them: one line of printable text, at most
 * maxErrorMessageLength characters. A message of many lines (a stack, a pretty-printed
 * JSON detail), with NUL, terminal colour codes or a bidi override, reached the client's
 * error message and its log as it came. Each run of such characters is one space (never
 * nothing: two halves of a secret the redactor did not see as one stay apart); the cut
 * never splits a surrogate pair. Runs after redaction, on an error only.
 */
function bounded(text: string): string {
  const tidy = text.replace(controlSequence, ' ').replace(unprintableRun, ' ').trim();
  if (tidy.length <= maxErrorMessageLength) return tidy;
  let end = maxErrorMessageLength - 1;
  const last = tidy.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${tidy.slice(0, end)}…`;
}
