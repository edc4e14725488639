export { errorCatalogue, type ErrorCode, type ErrorCatalogueEntry } from './error-catalogue.js';
export {
  GatewayError,
  isGatewayError,
  maxRetryAfterSeconds,
  toGatewayError,
  withBilledUsage,
  type GatewayErrorOptions,
  type OpenAIErrorBody,
} from './gateway-error.js';
export { redactSecrets, SecretRedactor, minSecretLength, minQuotedPartLength } from './redact-secrets.js';
export { redactModelName } from './redact-model-name.js';
export { redactGatewayError, maxErrorMessageLength } from './redact-gateway-error.js';
export { credentialHeaderValues } from './credential-header-values.js';
