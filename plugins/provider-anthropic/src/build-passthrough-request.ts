import type { PassthroughRequest, UpstreamRequest } from '@switchyard/core';
import type { AnthropicEndpoint } from './anthropic-endpoint.js';
import { leaveOutUnsignedThinking } from './leave-out-unsigned-thinking.js';

/**
 * A `/v1/messages` client's own body as the Anthropic upstream gets it on the
 * same-dialect fast path: a copy with the deployment's model (and `max_tokens` from
 * `default_max_tokens` when the client left it out, as the translated path does);
 * everything else (but the gateway's own `provider_options`) — cache_control, thinking blocks with their signatures,
 * redacted_thinking, citations, server tools — as the client wrote it, but for thinking
 * blocks without a signature, left out as the translated path leaves them out. The client's
 * `anthropic-version` replaces the configured one and its `anthropic-beta` flags join
 * the configured ones (both were checked by the core: bounded, a safe charset).
 */
export function buildPassthroughRequest(
  request: PassthroughRequest,
  model: string,
  endpoint: AnthropicEndpoint,
  defaultMaxTokens: number,
): UpstreamRequest {
  // provider_options are the gateway's (settings for the other providers): Anthropic refuses the field.
  const { provider_options: _gatewayOnly, ...clientBody } = request.body;
  const body: Record<string, unknown> = { ...clientBody, model };
  if ('messages' in body) body['messages'] = leaveOutUnsignedThinking(body['messages']);
  if (typeof body['max_tokens'] !== 'number') body['max_tokens'] = defaultMaxTokens;
  const betas = (request.headers['anthropic-beta'] ?? '')
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '');
  const upstream = endpoint.request('POST', '/messages', JSON.stringify(body), betas);
  const version = request.headers['anthropic-version'];
  // The endpoint's headers are shared by every request: changed on a copy.
  return version === undefined ? upstream : { ...upstream, headers: { ...upstream.headers, 'anthropic-version': version } };
}
