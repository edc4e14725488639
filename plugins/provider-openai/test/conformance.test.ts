import { startMockOpenAI, testProviderAdapter, type RecordedRequest } from '@switchyard/testing';
import openai from '../src/index.js';

const body = (request: RecordedRequest) => request.body as Record<string, unknown>;

testProviderAdapter({
  name: 'openai',
  provider: openai,
  startUpstream: () => startMockOpenAI({ apiKey: 'sk-conformance-0123456789' }),
  options: (upstream) => ({ api_key: 'sk-conformance-0123456789', base_url: upstream.url }),
  model: 'gpt-4o-mini',
  embeddingModel: 'text-embedding-3-small',
  stopSequencesOf: (request) => body(request)['stop'],
  asksForJson: (request) => ['json_object', 'json_schema'].includes((body(request)['response_format'] as { type?: string } | undefined)?.type ?? ''),
});
