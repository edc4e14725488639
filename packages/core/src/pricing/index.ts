export type { CatalogModelPrice, ModelPrice, ProviderPriceSheet } from './model-price.js';
export { builtInPriceSheets } from './price-catalog-data.js';
export { priceOverridesSchema, type PriceOverrides } from './price-overrides-schema.js';
export { costOfUsage } from './cost-of-usage.js';
export { modelIdVariants } from './model-id-variants.js';
export {
  DEFAULT_MAX_OUTPUT_TOKENS,
  PriceCatalog,
  type CostResult,
  type PriceCatalogEntry,
  type PriceCatalogOptions,
  type PriceMatch,
  type PriceMatchKind,
  type PriceOrigin,
} from './price-catalog.js';
export {
  CHARACTERS_PER_TOKEN,
  IMAGE_TOKEN_ESTIMATE,
  LOW_DETAIL_IMAGE_TOKEN_ESTIMATE,
  MESSAGE_TOKEN_OVERHEAD,
  estimatePromptTokens,
  maxPromptTokens,
  maxPromptHold,
  maxPromptTokensAt,
  imageHoldTokens,
  imageTokenEstimate,
  imageTokenEstimates,
  predictionOutputTokens,
  type ImageHoldTokens,
  type PromptHold,
  fastPathOnlyTokens,
  textLength,
} from './estimate-prompt-tokens.js';
export { GeneratedOutput, estimateAnswerUsage, withBillableUsage } from './generated-output.js';
export { sentOutputLimit } from './sent-output-limit.js';
export { estimateEmbeddingsTokens } from './estimate-embeddings-tokens.js';
export { withBillableEmbeddingsUsage } from './billable-embeddings-usage.js';
export { estimated, isEstimatedUsage } from './estimated-usage.js';
