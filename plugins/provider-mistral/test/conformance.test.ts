import { startMockMistral, testProviderAdapter, type RecordedRequest } from '@switchyard/testing';
import mistral from '../src/index.js';

const body = (request: RecordedRequest) => request.body as Record<string, unknown>;

testProviderAdapter({
  name: 'mistral',
  provider: mistral,
  startUpstream: () => startMockMistral({ apiKey: 'mistral-conformance-0123456789' }),
  options: (upstream) => ({ api_key: 'mistral-conformance-0123456789', base_url: upstream.url }),
  model: 'mistral-large-latest',
  embeddingModel: 'mistral-embed',
  stopSequencesOf: (request) => body(request)['stop'],
  asksForJson: (request) => ['json_object', 'json_schema'].includes((body(request)['response_format'] as { type?: string } | undefined)?.type ?? ''),
});
