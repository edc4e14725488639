export { providerFixturesDir, readFixture, readFixtureJson, fixturesDirEnv } from './fixtures.js';
export { startMockOpenAI, type MockOpenAI, type MockOpenAIOptions } from './mock-openai/start-mock-openai.js';
export type {
  MockChatReply,
  MockScript,
  MockStreamOptions,
  MockToolCall,
  OpenAIErrorCaseName,
} from './mock-openai/mock-script.js';
export type { RecordedRequest } from './mock-openai/recorded-request.js';
export { estimateTokens, estimatePromptTokens } from './mock-openai/estimate-tokens.js';
export { deterministicEmbedding, encodeFloat32Base64 } from './mock-openai/embeddings/deterministic-embedding.js';
