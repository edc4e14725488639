import type { Logger } from '@switchyard/core';
import type { OpenAIOptions } from './openai-options.js';
import { dropUnsupportedParams } from './presets/drop-unsupported-params.js';

/** How the fast path fits a client's own Chat Completions body to one deployment. */
export interface PassthroughBodyOptions {
  model: string;
  maxTokensField: OpenAIOptions['max_tokens_field'];
  /** The plugin name (`openai`, `groq`): whose `provider_options` apply. */
  providerName: string;
  /** Whether streams ask the upstream for usage (`stream_options.include_usage`); off for servers that refuse it. */
  streamUsage: boolean;
  /** Fields this upstream refuses, dropped with a warning as on the translated path. */
  unsupportedParams: readonly string[];
  /** Told of dropped fields; a function is called only when one is (the call's logger is made on first read). */
  logger: Logger | (() => Logger) | undefined;
}

/**
 * The client's Chat Completions body as one OpenAI-compatible upstream gets it on
 * the fast path. A copy: the same body may be tried on a fallback. Everything the
 * translated path (buildChatBody) does that changes the wire is done here too:
 * the deployment's model, usage asked for on every stream (the gateway bills every
 * stream, whatever the client asked), the token limit under the field this upstream
 * takes, the gateway's own `provider_options` unfolded, `metadata` (a gateway-side
 * field the translated path does not send) removed, refused fields dropped.
 */
export function buildPassthroughBody(clientBody: Record<string, unknown>, options: PassthroughBodyOptions): Record<string, unknown> {
  const { provider_options: providerOptions, metadata: _metadata, ...rest } = clientBody;
  const body: Record<string, unknown> = { ...optionsFor(providerOptions, 'openai'), ...(options.providerName !== 'openai' && optionsFor(providerOptions, options.providerName)), ...rest };
  body['model'] = options.model;
  if (body['stream'] === true) {
    if (options.streamUsage) body['stream_options'] = { ...asRecord(body['stream_options']), include_usage: true };
    else delete body['stream_options'];
  } else {
    delete body['stream_options'];
  }
  const maxTokens = body['max_completion_tokens'] ?? body['max_tokens'];
  delete body['max_completion_tokens'];
  delete body['max_tokens'];
  if (maxTokens !== undefined && maxTokens !== null) body[options.maxTokensField] = maxTokens;
  dropUnsupportedParams(body, options.unsupportedParams, options.providerName, options.logger);
  return body;
}

function optionsFor(providerOptions: unknown, name: string): Record<string, unknown> | undefined {
  return asRecord(asRecord(providerOptions)?.[name]);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
