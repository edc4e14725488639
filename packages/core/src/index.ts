export * from './canonical/index.js';
export * from './errors/index.js';
export * from './logging/index.js';
export * from './validation/index.js';
export * from './config/index.js';
export * from './ingress/openai/index.js';
export * from './ingress/anthropic/index.js';
export * from './ingress/responses/index.js';
export { openAIChatDialect } from './ingress/openai/openai-chat-dialect.js';
export type {
  DialectPassthrough,
  DialectStreamEncoder,
  IngressDialect,
  PassthroughStreamEncoder,
  IngressRequestInfo,
  ParsedIngressRequest,
  SseEvent,
  StreamEncoderOptions,
} from './ingress/ingress-dialect.js';
export {
  createRequestContext,
  findContext,
  getContext,
  markChainSettled,
  type Attempt,
  type ServedCall,
  type AttemptOptions,
  type Deployment,
  type Dispatch,
  type Endpoint,
  type Interceptor,
  type Principal,
  type ProviderResult,
  type RequestContext,
  type RequestContextOptions,
  type RequestInterceptor,
  type RoutedCall,
  type RoutePlan,
} from './chain/request-context.js';
export { composeInterceptors, composeRoutedCall, offersOperation, providerDispatch, unofferedOperation } from './chain/dispatch.js';
export { matchesModelPattern } from './chain/model-pattern.js';
export { adapterStep } from './chain/adapter-step.js';
export {
  defineIngress,
  definePlugin,
  defineProvider,
  defineStorage,
  isPluginFactory,
  isPluginOptionsError,
  PluginOptionsError,
  type IngressContribution,
  type IngressDefinition,
  type IngressFactory,
  type IngressPlugin,
  type IngressRoute,
  type PluginFactory,
  type ProviderDefinition,
  type ProviderFactory,
  type ProviderPlugin,
  type StepDefinition,
  type StepFactory,
  type StepPlugin,
  type PluginKind,
  type StorageContext,
  type StorageDefinition,
  type StorageFactory,
  type StoragePlugin,
  type StorageSet,
} from './plugin/define-plugin.js';
export type * from './plugin/provider-types.js';
export type { ServerSentEvent } from './transport/server-sent-event.js';
export { decodeSseStream } from './transport/decode-sse-stream.js';
export { SseDecoder } from './transport/sse-decoder.js';
export { capturedJsonStringPattern, escapedKeyPattern, jsonIndexPattern, jsonStringPattern, maxMatchedEventLength, unescapeJsonString } from './transport/json-text-patterns.js';
export { UpstreamJsonTooDeepError, maxUpstreamJsonDepth, parseUpstreamJson } from './transport/parse-upstream-json.js';
export { isJsonObject, nonEmptyText, objectInputText } from './transport/upstream-wire-values.js';
export { readRetryAfterHeader } from './transport/read-retry-after.js';
export { toPlainToolCallId } from './transport/tool-call-id.js';
export { readyBatches } from './transport/ready-batches.js';
export { takeReady, type ReadyItems } from './transport/take-ready.js';
export { AttemptCancel, type CancelSource } from './transport/attempt-cancel.js';
export {
  UpstreamTransport,
  defaultUpstreamBodyLimits,
  defaultUpstreamTimeouts,
  mapTransportError,
  type UpstreamResponse,
  type UpstreamTransportOptions,
} from './transport/upstream-transport.js';
export { UpstreamLookup, lookupTimeoutFor, type ResolveHostname } from './transport/upstream-lookup.js';
export type { UpstreamBodyGuard, UpstreamBodyLimits } from './transport/upstream-body-guard.js';
export { applyServerLimits, serverOptions, type ServerLimitsConfig } from './http/apply-server-limits.js';
export { appMessageClasses } from './http/app-message-classes.js';
export { SseWriter } from './http/sse-writer.js';
export { sendError } from './http/send-error.js';
export { sendJson } from './http/send-json.js';
export { endWholeAnswer } from './http/whole-answer-writer.js';
export type { ResponseHeaders } from './http/response-headers.js';
export { errorHandler, type ErrorHandlerOptions } from './http/error-handler.js';
export { fromBodyParserError } from './http/from-body-parser-error.js';
export { fromPathDecodeError } from './http/from-path-decode-error.js';
export { contextMiddleware, type ContextMiddlewareOptions } from './embed/context-middleware.js';
export { createSteps, type CreateStepsOptions, type SwitchyardSteps } from './embed/create-steps.js';
export { toHeaderValue } from './http/to-header-value.js';
export { shownPath, unknownEndpoint } from './http/shown-path.js';
export { refuseMethod } from './http/refuse-method.js';
export { loggedPath, maxLoggedPathLength } from './http/logged-path.js';
export { checkGatewayConfig, createGateway, resolveDataDir, type CreateGatewayOptions, type Gateway } from './gateway/create-gateway.js';
export { hotRoutesAhead, hotRoutesBeforeApp } from './gateway/hot-routes.js';
export { checkedDirectAnswer, checkedDirectEmbeddings, checkedDirectPart, maxStreamNameChars } from './gateway/check-direct-answer.js';
export type { GatewayRuntime, HealthSection } from './gateway/gateway-runtime.js';
export type { RequestRecord } from './gateway/request-record.js';
export type { ListedModel, ModelCatalog } from './gateway/model-catalog.js';
export { genericUpstreamError, startProvider } from './gateway/start-provider.js';
export { resolvePlugins, type ImportModule } from './gateway/resolve-plugins.js';
export * from './stores/index.js';
export { UsageRecorder, UsageRecordsNotWritten, type UsageRecorderOptions, type UsageRecorderStats } from './gateway/usage-recorder.js';
export type { Pricing } from './gateway/pricing.js';
export { billedAttemptsCost, recordedUsage } from './gateway/request-cost.js';
export * from './pricing/index.js';
export { GatewayMetrics, type CacheLookup, type RateLimitSource } from './metrics/gateway-metrics.js';
export { formatUsd } from './http/cost-header.js';
export { metricsHandler, type MetricsHandlerOptions, type MetricsSource } from './metrics/metrics-handler.js';
export { aggregateMetricsText, growingSeries, metricsSnapshot, sumMetricsSnapshots, type MetricsSnapshot } from './metrics/aggregate-metrics.js';
