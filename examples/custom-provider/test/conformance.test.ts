import { testProviderAdapter, type RecordedRequest } from '@switchyard/testing';
import acme from '../src/index.js';
import { startMockAcme } from './mock-acme/start-mock-acme.js';

const body = (request: RecordedRequest) => request.body as { halt?: unknown; format?: unknown };
const apiKey = 'acme-conformance-key-0123456789';

// The same suite Switchyard's own providers run. Acme has no tools, images, JSON
// schema, prompt cache, reasoning or embeddings: those tests are skipped with the reason.
testProviderAdapter({
  name: 'acme',
  provider: acme,
  startUpstream: () => startMockAcme({ apiKey }),
  options: (upstream) => ({ api_key: apiKey, base_url: upstream.url }),
  model: 'acme-large',
  capabilities: { tools: false, images: false, jsonSchema: false, cachedTokens: false, reasoningTokens: false },
  stopSequencesOf: (request) => body(request).halt,
  asksForJson: (request) => body(request).format === 'json',
});
