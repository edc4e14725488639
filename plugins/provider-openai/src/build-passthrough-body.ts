import { setField, type Logger } from '@switchyard/core';
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
  const fitted = new FittedBody();
  // The gateway's provider_options first: the client's own fields win over them.
  const providerOptions = clientBody['provider_options'];
  fitted.take(optionsFor(providerOptions, 'openai'));
  if (options.providerName !== 'openai') fitted.take(optionsFor(providerOptions, options.providerName));
  fitted.take(clientBody, clientOnlyFields);
  const body = fitted.body;
  body['model'] = options.model;
  if (body['stream'] === true && options.streamUsage) body['stream_options'] = { ...asRecord(fitted.streamOptions), include_usage: true };
  const maxTokens = fitted.maxCompletionTokens ?? fitted.maxTokens;
  if (maxTokens !== undefined && maxTokens !== null) body[options.maxTokensField] = maxTokens;
  dropUnsupportedParams(body, options.unsupportedParams, options.providerName, options.logger);
  return body;
}

/** The client's fields that are the gateway's, never sent upstream. */
const clientOnlyFields: ReadonlySet<string> = new Set(['provider_options', 'metadata']);

/**
 * The body being built, field by field, with the fields that are fitted to the
 * deployment held aside instead of copied and deleted: a deleted field turns V8's
 * object into a slow dictionary, which every later write and `JSON.stringify` pay for.
 */
class FittedBody {
  readonly body: Record<string, unknown> = {};
  maxCompletionTokens: unknown;
  maxTokens: unknown;
  streamOptions: unknown;

  /** Copies `source`'s own fields over what is there, as an object spread would, but those in `skip`. */
  take(source: Record<string, unknown> | undefined, skip?: ReadonlySet<string>): void {
    if (!source) return;
    for (const key in source) {
      if (!Object.hasOwn(source, key) || skip?.has(key)) continue;
      const value = source[key];
      if (key === 'max_completion_tokens') this.maxCompletionTokens = value;
      else if (key === 'max_tokens') this.maxTokens = value;
      else if (key === 'stream_options') this.streamOptions = value;
      // A field named __proto__ stays a field (setField), as in a spread, not the body's prototype.
      else setField(this.body, key, value);
    }
  }
}

function optionsFor(providerOptions: unknown, name: string): Record<string, unknown> | undefined {
  return asRecord(asRecord(providerOptions)?.[name]);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
