import {
  startMockAnthropic,
  startMockAzure,
  startMockBedrock,
  startMockCohere,
  startMockGemini,
  startMockMistral,
  startMockOpenAI,
  type MockUpstream,
} from '@switchyard/testing';

/**
 * Each provider behind the gateway, with a mock upstream speaking its own wire format:
 * how to start it (with the credentials it checks), a model it serves, and the
 * provider's options for a gateway config pointing at it.
 */
export const providerMocks = {
  openai: { start: () => startMockOpenAI({ apiKey: 'sk-openai-test-0123456789' }), model: 'gpt-4o-mini', options: (url: string) => ({ api_key: 'sk-openai-test-0123456789', base_url: url }) },
  anthropic: { start: () => startMockAnthropic({ apiKey: 'sk-ant-test-0123456789' }), model: 'claude-sonnet-4-5', options: (url: string) => ({ api_key: 'sk-ant-test-0123456789', base_url: url }) },
  gemini: { start: () => startMockGemini({ apiKey: 'AIzaSyTest0123456789abcdef' }), model: 'gemini-2.5-flash', options: (url: string) => ({ api_key: 'AIzaSyTest0123456789abcdef', base_url: url }) },
  azure: { start: () => startMockAzure({ apiKey: 'azure-test-key-0123456789' }), model: 'gpt-4o-mini', options: (url: string) => ({ api_key: 'azure-test-key-0123456789', endpoint: url }) },
  cohere: { start: () => startMockCohere({ apiKey: 'cohere-test-key-0123456789' }), model: 'command-a-03-2025', options: (url: string) => ({ api_key: 'cohere-test-key-0123456789', base_url: url }) },
  bedrock: {
    start: () => startMockBedrock({ accessKeyId: 'AKIDEXAMPLE0123456789', secretAccessKey: 'bedrock-test-secret-0123456789' }),
    model: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    options: (url: string) => ({ region: 'us-east-1', endpoint: url, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' }),
  },
  mistral: { start: () => startMockMistral({ apiKey: 'mistral-test-key-0123456789' }), model: 'mistral-large-latest', options: (url: string) => ({ api_key: 'mistral-test-key-0123456789', base_url: url }) },
} satisfies Record<string, { start: () => Promise<MockUpstream<string>>; model: string; options: (url: string) => Record<string, unknown> }>;

export type ProviderMockName = keyof typeof providerMocks;
