import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import type { UpstreamErrorResponse } from '../plugin/provider-types.js';
import { mapTransportError } from './upstream-transport.js';

/** An upstream error body past this size is not worth reading to the end. */
const maxErrorBodyBytes = 64 * 1024;

export async function readJsonBody(response: Dispatcher.ResponseData, provider: string, signal: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw mapTransportError(error, provider, signal);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a body that is not JSON.`, {
      provider,
      upstreamStatus: response.statusCode,
      cause: error,
    });
  }
}

/**
 * Reads an error response (capped) with every secret blanked, so whatever the
 * adapter quotes from it is safe to show and to log.
 */
export async function readUpstreamError(
  response: Dispatcher.ResponseData,
  secrets: readonly string[],
): Promise<UpstreamErrorResponse> {
  let bodyText = '';
  try {
    for await (const chunk of response.body) {
      bodyText += chunk.toString('utf8');
      if (bodyText.length > maxErrorBodyBytes) {
        response.body.destroy();
        break;
      }
    }
  } catch {
    // A body that breaks off is still an error response; map what arrived.
  }
  return { status: response.statusCode, headers: response.headers, bodyText: redactSecrets(bodyText, secrets) };
}
