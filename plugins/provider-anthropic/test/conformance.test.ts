import { startMockAnthropic, testProviderAdapter, type RecordedRequest } from '@switchyard/testing';
import anthropic, { jsonResponseToolName } from '../src/index.js';

const body = (request: RecordedRequest) => request.body as Record<string, unknown>;

testProviderAdapter({
  name: 'anthropic',
  provider: anthropic,
  startUpstream: () => startMockAnthropic({ apiKey: 'sk-ant-conformance-0123456789' }),
  options: (upstream) => ({ api_key: 'sk-ant-conformance-0123456789', base_url: upstream.url }),
  model: 'claude-sonnet-4-5',
  // Anthropic counts thinking inside output_tokens and reports no separate number.
  reportsReasoningTokens: false,
  stopSequencesOf: (request) => body(request)['stop_sequences'],
  // A schema goes to output_config (or the beta output_format); JSON mode forces the answer tool.
  asksForJson: (request) => {
    const sent = body(request);
    const config = sent['output_config'] as { format?: unknown } | undefined;
    const choice = sent['tool_choice'] as { name?: unknown } | undefined;
    return config?.format !== undefined || sent['output_format'] !== undefined || choice?.name === jsonResponseToolName;
  },
});
