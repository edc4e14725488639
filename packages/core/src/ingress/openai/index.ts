export * from './openai-wire-types.js';
export { chatCompletionsRequestSchema, embeddingsRequestSchema, requestBounds } from './chat-completions-request-schema.js';
export { checkModelName } from '../check-model-name.js';
export { defaultIngressLimits, ingressLimitsFrom, type IngressLimits } from '../ingress-limits.js';
export {
  parseChatCompletionsRequest,
  prepareChatCompletionsValidator,
  type ParsedChatCompletionsRequest,
} from './parse-chat-completions-request.js';
export { formatChatCompletion } from './format-chat-completion.js';
export { ChatChunkEncoder } from './chat-chunk-encoder.js';
export { toOpenAIUsage, fromOpenAIUsage } from './openai-usage.js';
export { toOpenAIFinishReason, fromOpenAIFinishReason } from './openai-finish-reason.js';
export { mayHoldMistypedOpenAIText } from './openai-text-fields.js';
export { mayHoldMistypedOpenAIToolCall, openAIToolCallArguments, openAIToolCallIndex } from './openai-tool-call-fields.js';
export {
  parseEmbeddingsRequest,
  prepareEmbeddingsValidator,
  formatEmbeddingsResponse,
  type ParsedEmbeddingsRequest,
} from './embeddings.js';
