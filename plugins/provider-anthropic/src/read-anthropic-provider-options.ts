import { GatewayError, setField, type ChatRequest } from '@switchyard/core';
import type { AnthropicCacheControl } from './anthropic-wire-types.js';

/** `providerOptions.anthropic`, split into the hints the adapter acts on and the fields sent as they are. */
export interface AnthropicProviderOptions {
  /** Top-level body fields passed through unchanged: `top_k`, `metadata`, `thinking`, `cache_control`, `service_tier` … */
  body: Record<string, unknown>;
  /** `betas`: added to the `anthropic-beta` header of this request. */
  betas: string[];
  /** `system_cache_control`: a cache breakpoint on the system prompt. */
  systemCacheControl?: AnthropicCacheControl;
  /** `tools_cache_control`: a cache breakpoint on the last tool. */
  toolsCacheControl?: AnthropicCacheControl;
  /** `messages_cache_control`: a cache breakpoint on the last block of the conversation. */
  messagesCacheControl?: AnthropicCacheControl;
}

const hintKeys = new Set(['betas', 'system_cache_control', 'tools_cache_control', 'messages_cache_control']);

/** A beta name (`interleaved-thinking-2025-05-14`), as the Messages route holds its client's `anthropic-beta` header. */
const betaFlagPattern = /^[0-9A-Za-z._-]+$/;
/** The flags joined by commas: the Messages route's bound on its client's header. */
const maxBetaHeaderLength = 512;

/**
 * Reads `providerOptions.anthropic`. The `*_cache_control` hints take a
 * `cache_control` object (`{ type: 'ephemeral', ttl: '1h' }`) or `true` for the default
 * `{ type: 'ephemeral' }`; they exist because the canonical request has no place
 * for per-block cache marks. Everything else goes into the body as is.
 */
export function readAnthropicProviderOptions(request: ChatRequest): AnthropicProviderOptions {
  const raw = request.providerOptions?.['anthropic'] ?? {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (hintKeys.has(key)) continue;
    // A field named __proto__ stays a field (as in a spread), not the body's prototype, whose members the reads below would see.
    setField(body, key, value);
  }
  const betas = Array.isArray(raw['betas']) ? checkedBetas(raw['betas']) : [];
  const options: AnthropicProviderOptions = { body, betas };
  const system = cacheControl(raw['system_cache_control']);
  if (system) options.systemCacheControl = system;
  const tools = cacheControl(raw['tools_cache_control']);
  if (tools) options.toolsCacheControl = tools;
  const messages = cacheControl(raw['messages_cache_control']);
  if (messages) options.messagesCacheControl = messages;
  return options;
}

/**
 * The string flags of `betas`, which become the upstream `anthropic-beta` header. A flag
 * Node cannot write in a header (a line break, NUL, non-Latin text) failed the call as the
 * upstream's `upstream_unreachable`, which the circuit breaker counts, so a client could
 * open the deployment's circuit for everyone; a huge list went out for the upstream to
 * refuse with 431. Refused here instead, before any call.
 */
function checkedBetas(flags: readonly unknown[]): string[] {
  const betas = flags.filter((flag): flag is string => typeof flag === 'string');
  let length = 0;
  for (const flag of betas) {
    length += flag.length + 1;
    if (length > maxBetaHeaderLength + 1 || !betaFlagPattern.test(flag)) {
      throw new GatewayError(
        'invalid_request',
        `betas must be beta names of letters, digits, '.', '_' and '-', at most ${maxBetaHeaderLength} characters in all.`,
        { param: 'provider_options.anthropic.betas' },
      );
    }
  }
  return betas;
}

function cacheControl(value: unknown): AnthropicCacheControl | undefined {
  if (value === true) return { type: 'ephemeral' };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as AnthropicCacheControl;
  return undefined;
}
