import { GatewayError } from '../errors/gateway-error.js';
import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { UpstreamErrorResponse } from '../plugin/provider-types.js';
import type { CancelSource } from './attempt-cancel.js';
import { mapBodyReadError } from './map-body-read-error.js';
import { UpstreamJsonTooDeepError, parseUpstreamJson } from './parse-upstream-json.js';
import type { UpstreamResponse } from './upstream-call.js';

/** An upstream error body past this size is not worth reading to the end. */
const maxErrorBodyBytes = 64 * 1024;

/**
 * Reads a whole answer and parses it as JSON, held to the transport's size and
 * duration bounds (`upstream_response_too_large`, `upstream_duration_exceeded`) and
 * to the depth bound of parseUpstreamJson (502 `upstream_invalid_response`, as any
 * body that cannot be read). With a redactor (a whole chat answer, on either path: the
 * fast path hands the body on as it came, and a translated answer's text reaches the
 * client as well), the provider's known secrets are blanked in the text first.
 */
export async function readJsonBody(response: UpstreamResponse, provider: string, signal: CancelSource, redactor?: SecretRedactor): Promise<unknown> {
  const text = await readBodyText(response, provider, signal);
  return parseJsonBodyText(redactor ? redactor.redactKnown(text) : text, provider, response.statusCode);
}

/** The whole answer's text, held to the transport's bounds as readJsonBody's is. */
export async function readBodyText(response: UpstreamResponse, provider: string, signal: CancelSource): Promise<string> {
  try {
    return withoutByteOrderMark((await readWholeBody(response)).toString('utf8'));
  } catch (error) {
    throw mapBodyReadError(error, provider, signal, response.guard);
  }
}

/** An answer's text parsed as readJsonBody parses it (502 `upstream_invalid_response` when it cannot be read). */
export function parseJsonBodyText(text: string, provider: string, upstreamStatus: number): unknown {
  try {
    return parseUpstreamJson(text);
  } catch (error) {
    // The parse error quotes the body; the provider's choke point redacts it before anything logs it.
    const what = error instanceof UpstreamJsonTooDeepError ? 'nested too deep to read' : 'not JSON';
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a body that is ${what}.`, {
      provider,
      upstreamStatus,
      cause: error,
    });
  }
}

/**
 * The whole body, each chunk counted against the guard's bounds. Rejects with the
 * upstream's failure, the guard's cut, or a premature close.
 */
async function readWholeBody(response: UpstreamResponse): Promise<Buffer> {
  const { body, guard } = response;
  let first: Buffer | undefined;
  let all: Buffer[] | undefined;
  for (;;) {
    // What has arrived is taken without a promise; one is made only to wait.
    const chunk = body.read();
    if (chunk === null) break;
    if (chunk === undefined) {
      await body.more();
      continue;
    }
    guard.count(chunk);
    if (first === undefined) first = chunk;
    else (all ??= [first]).push(chunk);
  }
  return all ? Buffer.concat(all) : (first ?? Buffer.alloc(0));
}

/**
 * Reads an error response, capped. The text is the provider's raw words: whatever
 * the adapter makes of it is redacted, after decoding, where the provider's errors
 * leave it (see redactGatewayError).
 */
export async function readUpstreamError(response: UpstreamResponse): Promise<UpstreamErrorResponse> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const chunk = response.body.read();
      if (chunk === null) break;
      if (chunk === undefined) {
        await response.body.more();
        continue;
      }
      response.guard.count(chunk);
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > maxErrorBodyBytes) {
        response.body.destroy();
        break;
      }
    }
  } catch {
    // A body that breaks off is still an error response; map what arrived.
  }
  // Decoded once, whole, so a character split across two chunks stays whole.
  const bodyText = withoutByteOrderMark(Buffer.concat(chunks).subarray(0, maxErrorBodyBytes).toString('utf8'));
  return { status: response.statusCode, headers: response.headers, bodyText };
}

/**
 * The text without the UTF-8 byte order mark it may start with (a proxy or a Windows-hosted
 * server writes one; RFC 8259 lets a parser ignore it, the ingress does, and the stream
 * decoder drops it). Left in, `JSON.parse` refused the answer: a 502 "not JSON", and an
 * error body lost the provider's reason. One character compared per answer.
 */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
