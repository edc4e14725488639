/**
 * Span attribute names: the OpenTelemetry GenAI semantic conventions where they
 * name a thing, `switchyard.*` for what only a gateway knows. Values are never
 * prompt or completion text, and never a key.
 */
export const attributes = {
  operationName: 'gen_ai.operation.name',
  /** The older name of `gen_ai.provider.name`; both are set while backends move over. */
  system: 'gen_ai.system',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cachedInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheWriteInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  reasoningTokens: 'gen_ai.usage.reasoning.output_tokens',
  errorType: 'error.type',
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  httpRoute: 'http.route',
  requestId: 'switchyard.request.id',
  clientRequestId: 'switchyard.client_request.id',
  endpoint: 'switchyard.endpoint',
  stream: 'switchyard.stream',
  keyId: 'switchyard.key.id',
  keyKind: 'switchyard.key.kind',
  team: 'switchyard.team',
  project: 'switchyard.project',
  cacheHit: 'switchyard.cache.hit',
  /** The configured provider instance (`openai`, `groq-eu`), not the wire format. */
  provider: 'switchyard.provider',
  /** `provider/model` of the deployment that answered. */
  servedBy: 'switchyard.served_by',
  attempts: 'switchyard.attempts',
  fallbacks: 'switchyard.fallbacks',
  attemptNumber: 'switchyard.attempt.number',
  /** Why this attempt happened at all: the previous attempt's error code. */
  retryReason: 'switchyard.attempt.retry_reason',
  /** Whether this attempt went to another deployment than the one before it. */
  fallback: 'switchyard.attempt.fallback',
  retryAfterSeconds: 'switchyard.retry_after_s',
  timeToFirstTokenMs: 'switchyard.time_to_first_token_ms',
  timeToFirstByteMs: 'switchyard.time_to_first_byte_ms',
} as const;

/** The span event marking the first generated content of a stream. */
export const firstTokenEvent = 'gen_ai.first_token';

/** GenAI `gen_ai.provider.name` values for the wire formats Switchyard ships. */
const wellKnownProviders: Record<string, string> = {
  openai: 'openai',
  azure: 'azure.ai.openai',
  anthropic: 'anthropic',
  bedrock: 'aws.bedrock',
  gemini: 'gcp.gemini',
  mistral: 'mistral_ai',
  cohere: 'cohere',
};

/** The GenAI provider name of a provider plugin (`bedrock` → `aws.bedrock`); plugin names are code, not input. */
export function genAiProviderName(plugin: string): string {
  return wellKnownProviders[plugin] ?? plugin;
}

/** Strings that come from providers or the key store are cut to this length before they become attributes. */
export const maxAttributeLength = 256;

/** A string bounded for use as an attribute value. */
export function boundedString(value: string): string {
  return value.length > maxAttributeLength ? value.slice(0, maxAttributeLength) : value;
}
