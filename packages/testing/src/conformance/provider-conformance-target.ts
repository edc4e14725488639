import type { ProviderFactory } from '@switchyard/core';
import type { CommonErrorCase } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';

/**
 * What a provider can do, for the conformance suite. Every flag defaults to `true`
 * (the full OpenAI feature set); set one to `false` and the tests of that feature
 * are skipped, with the reason in the test name, instead of failing.
 */
export interface ProviderCapabilities {
  /** Function tools: one call, several calls in one stream, tool results sent back. */
  tools?: boolean;
  /** Several tool calls in one answer (the streamed multi-call test). */
  parallelToolCalls?: boolean;
  /** Image input as a data URL. */
  images?: boolean;
  /** Image input as an https URL; `false` means the plugin must refuse it with a 400 before any upstream call. */
  imageUrls?: boolean;
  /** `response_format: { type: 'json_object' }`. */
  jsonMode?: boolean;
  /** `response_format: { type: 'json_schema', … }`. */
  jsonSchema?: boolean;
  /** Stop sequences passed on to the upstream. */
  stopSequences?: boolean;
  /** Usage at the end of a stream (input and output tokens). */
  streamUsage?: boolean;
  /** Prompt-cache hits reported as `cachedInputTokens`. */
  cachedTokens?: boolean;
  /** Reasoning tokens reported apart from output tokens. */
  reasoningTokens?: boolean;
  /** `Retry-After` of a rate-limited answer passed on as `retryAfterSeconds`. */
  retryAfter?: boolean;
  /** A live model list (`models` adapter). */
  modelList?: boolean;
}

/** What a provider plugin tells the conformance suite about itself. */
export interface ProviderConformanceTarget {
  /** The provider id used in messages and test names: `anthropic`. */
  name: string;
  /** The plugin's default export. */
  provider: ProviderFactory<unknown>;
  /** Starts a mock upstream speaking the provider's wire format. */
  startUpstream(): Promise<MockUpstream<CommonErrorCase | string>>;
  /** The plugin options that point it at the mock (`{ api_key, base_url: upstream.url }`). */
  options(upstream: MockUpstream<string>): Record<string, unknown>;
  /** A chat model id to ask for. */
  model: string;
  /** An embeddings model id, when the provider offers embeddings; without one the embeddings test is skipped. */
  embeddingModel?: string;
  /** What the provider lacks; everything not set to `false` is tested. */
  capabilities?: ProviderCapabilities;
  /** @deprecated Use `capabilities.imageUrls`. */
  imageUrls?: boolean;
  /** @deprecated Use `capabilities.reasoningTokens`. */
  reportsReasoningTokens?: boolean;
  /** The stop sequences as the native request carries them; needed unless `capabilities.stopSequences` is `false`. */
  stopSequencesOf?(request: RecordedRequest): unknown;
  /** Whether the native request asks for JSON output (JSON mode or a schema); needed unless both JSON capabilities are `false`. */
  asksForJson?(request: RecordedRequest): boolean;
}

/** The capabilities with every default filled in and the deprecated fields folded in. */
export function resolveCapabilities(target: ProviderConformanceTarget): Required<ProviderCapabilities> {
  const given = target.capabilities ?? {};
  const on = (flag: boolean | undefined) => flag !== false;
  return {
    tools: on(given.tools),
    parallelToolCalls: on(given.tools) && on(given.parallelToolCalls),
    images: on(given.images),
    imageUrls: on(given.imageUrls ?? target.imageUrls),
    jsonMode: on(given.jsonMode),
    jsonSchema: on(given.jsonSchema),
    stopSequences: on(given.stopSequences),
    streamUsage: on(given.streamUsage),
    cachedTokens: on(given.cachedTokens),
    reasoningTokens: on(given.reasoningTokens ?? target.reportsReasoningTokens),
    retryAfter: on(given.retryAfter),
    modelList: on(given.modelList),
  };
}
