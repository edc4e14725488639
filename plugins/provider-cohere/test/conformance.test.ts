import { startMockCohere, testProviderAdapter, type RecordedRequest } from '@switchyard/testing';
import cohere from '../src/index.js';

const body = (request: RecordedRequest) => request.body as Record<string, unknown>;

testProviderAdapter({
  name: 'cohere',
  provider: cohere,
  startUpstream: () => startMockCohere({ apiKey: 'co-conformance-0123456789' }),
  options: (upstream) => ({ api_key: 'co-conformance-0123456789', base_url: upstream.url }),
  model: 'command-a-03-2025',
  embeddingModel: 'embed-v4.0',
  // Cohere takes image_url parts with https URLs as well as data URLs (docs: image inputs).
  imageUrls: true,
  // Cohere's usage has input, output and cached tokens only.
  reportsReasoningTokens: false,
  stopSequencesOf: (request) => body(request)['stop_sequences'],
  // JSON mode and a schema are both `response_format: { type: 'json_object' }`.
  asksForJson: (request) => (body(request)['response_format'] as { type?: unknown } | undefined)?.type === 'json_object',
});
