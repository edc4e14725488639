export { providerFixturesDir, readFixture, readFixtureJson, fixturesDirEnv } from './fixtures.js';
export { startMockOpenAI, type MockOpenAI, type MockOpenAIOptions } from './mock-openai/start-mock-openai.js';
export { startMockAnthropic, type MockAnthropic, type MockAnthropicOptions, type AnthropicErrorCase } from './mock-anthropic/start-mock-anthropic.js';
export type {
  MockChatReply,
  MockScript,
  MockStreamOptions,
  MockToolCall,
  OpenAIErrorCaseName,
  CommonErrorCase,
} from './mock-server/mock-script.js';
export type { RecordedRequest } from './mock-server/recorded-request.js';
export { estimateTokens, estimatePromptTokens } from './mock-server/estimate-tokens.js';
export { deterministicEmbedding, encodeFloat32Base64 } from './mock-openai/embeddings/deterministic-embedding.js';
export type { MockUpstream } from './mock-server/mock-upstream.js';
// The pieces every mock is built from, for a mock of a wire format of your own (see examples/custom-provider).
export { startMockServer, newMockServerState, type MockServerSetup, type MockServerState } from './mock-server/start-mock-server.js';
export { ResponseWriter } from './mock-server/response-writer.js';
export { ScriptQueue } from './mock-server/script-queue.js';
export { AbortTracker } from './mock-server/abort-tracker.js';
export { readRequestBody } from './mock-server/read-request-body.js';
export { recordRequest } from './mock-server/record-request.js';
export { watchForClientAbort } from './mock-server/watch-for-client-abort.js';
export { splitForNetwork } from './mock-server/split-for-network.js';
export {
  collectParts,
  lastUsage,
  reassembleToolCalls,
  responseText,
  streamedText,
  testProviderAdapter,
  type ProviderCapabilities,
  type ProviderConformanceTarget,
} from './conformance/index.js';
export { testIngressDialect, type ClientView, type IngressDialectConformanceTarget } from './ingress-conformance/index.js';
export { startMockGemini, type GeminiErrorCase, type MockGemini, type MockGeminiOptions } from './mock-gemini/start-mock-gemini.js';
export { startMockAzure, type AzureErrorCase, type MockAzure, type MockAzureOptions } from './mock-azure/start-mock-azure.js';
export { startMockCohere, type CohereErrorCase, type MockCohere, type MockCohereOptions } from './mock-cohere/start-mock-cohere.js';
export { startMockMistral, type MockMistral, type MockMistralOptions, type MistralErrorCase } from './mock-mistral/start-mock-mistral.js';
export { startMockBedrock, type BedrockErrorCase, type MockBedrock, type MockBedrockOptions } from './mock-bedrock/start-mock-bedrock.js';
export { encodeEventFrame } from './mock-bedrock/encode-event-frame.js';
export { testKeyStore, testUsageLedger, testBudgetStore, testResponseStore, type ResponseStoreSuiteOptions } from './store-conformance/index.js';
export { databaseUrl, findPostgres, freshSchemaName, type PostgresTarget } from './services/find-postgres.js';
export { findRedis, freshRedisPrefix, redisUrl, type RedisTarget } from './services/find-redis.js';
export { startTcpRelay, type RelayMode, type TcpRelay } from './services/start-tcp-relay.js';
export { refusedPort } from './services/refused-port.js';
export { portOutsideEphemeralRange } from './services/port-outside-ephemeral-range.js';
export { redisCommands, redisWorkCommands } from './services/redis-commands.js';
export { findChromium, type ChromiumTarget } from './services/find-chromium.js';
export { decodeSseText } from './decode-sse-text.js';
export { unreadableTokenCounts } from './unreadable-token-counts.js';
