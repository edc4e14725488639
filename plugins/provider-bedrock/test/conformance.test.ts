import { startMockBedrock, testProviderAdapter, type RecordedRequest } from '@switchyard/testing';
import bedrock, { jsonResponseToolName } from '../src/index.js';

const credentials = { accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance/secret+key0123456789' };
const body = (request: RecordedRequest) => request.body as Record<string, unknown>;

testProviderAdapter({
  name: 'bedrock',
  provider: bedrock,
  startUpstream: () => startMockBedrock(credentials),
  options: (upstream) => ({
    region: 'us-east-1',
    endpoint: upstream.url,
    access_key_id: credentials.accessKeyId,
    secret_access_key: credentials.secretAccessKey,
    models: ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'amazon.nova-pro-v1:0'],
  }),
  model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  // Bedrock fetches no image URLs; they are refused before anything is sent.
  imageUrls: false,
  // Bedrock reports no separate reasoning-token count.
  reportsReasoningTokens: false,
  stopSequencesOf: (request) => (body(request)['inferenceConfig'] as { stopSequences?: unknown } | undefined)?.stopSequences,
  // JSON output is a forced answer tool (NOTES.md: no portable JSON mode).
  asksForJson: (request) => {
    const toolConfig = body(request)['toolConfig'] as { toolChoice?: { tool?: { name?: unknown } } } | undefined;
    return toolConfig?.toolChoice?.tool?.name === jsonResponseToolName;
  },
});
