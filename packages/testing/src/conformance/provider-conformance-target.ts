import type { ProviderFactory } from '@switchyard/core';
import type { CommonErrorCase } from '../mock-server/mock-script.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';

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
  /** An embeddings model id, when the provider offers embeddings. */
  embeddingModel?: string;
  /** Whether images given by https URL are accepted (Gemini takes only its own file URIs). */
  imageUrls?: boolean;
  /** Whether the provider reports reasoning tokens separately (Anthropic counts them as output). */
  reportsReasoningTokens?: boolean;
  /** The stop sequences as the native request carries them. */
  stopSequencesOf(request: RecordedRequest): unknown;
  /** Whether the native request asks for JSON output (JSON mode or a schema). */
  asksForJson(request: RecordedRequest): boolean;
}
