import type { IngressDialect } from '../ingress-dialect.js';
import { formatResponsesResponse } from './format-responses-response.js';
import { parseResponsesRequest, type ResponsesEcho } from './parse-responses-request.js';
import { createResponsesPassthrough } from './responses-passthrough.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';
import type { ResponsesResponse } from './responses-wire-types.js';

/** What one request's Responses dialect knows beyond the wire format. */
export interface ResponsesDialectOptions {
  /** The `resp_…` id the answer carries (whole or streamed). */
  responseId?: string;
  /** The request fields the answer repeats. */
  echo?: ResponsesEcho;
  /** Called once with the finished response (whole, or streamed to its end), e.g. to store it. */
  onFinished?: (response: ResponsesResponse) => void;
}

/**
 * OpenAI's Responses API (`POST /v1/responses`) as an ingress dialect. The
 * endpoint makes one per request (its response id, the fields to echo, where the
 * finished response goes); the shared {@link openAIResponsesDialect} has none of
 * those and serves the conformance suite and embedders.
 */
export function createResponsesDialect(options: ResponsesDialectOptions = {}): IngressDialect {
  return {
    name: 'openai-responses',
    parse: parseResponsesRequest,
    formatResponse(response, model) {
      const formatted = formatResponsesResponse(response, model, {
        ...(options.responseId !== undefined && { id: options.responseId }),
        ...(options.echo !== undefined && { echo: options.echo }),
      });
      options.onFinished?.(formatted);
      return formatted;
    },
    createStreamEncoder: (encoderOptions) =>
      // By name, not spread: the encoder reads a left-out and an undefined option alike.
      new ResponsesStreamEncoder({
        requestId: encoderOptions.requestId,
        model: encoderOptions.model,
        modelPrefix: encoderOptions.modelPrefix,
        includeUsage: encoderOptions.includeUsage,
        billedUsage: encoderOptions.billedUsage,
        responseId: options.responseId,
        echo: options.echo,
        onFinished: options.onFinished,
      }),
    // OpenAI in front of OpenAI: the upstream's own Response, with the gateway's id and store fields.
    passthrough: createResponsesPassthrough({
      ...(options.responseId !== undefined && { responseId: options.responseId }),
      ...(options.echo !== undefined && { store: options.echo.store, previousResponseId: options.echo.previous_response_id }),
      ...(options.onFinished !== undefined && { onFinished: options.onFinished }),
    }),
    // OpenAI's own envelope: the SDK raises its error class per status.
    formatError: (error) => ({ status: error.status, body: error.toBody() }),
  };
}

/** The Responses dialect without per-request state. */
export const openAIResponsesDialect: IngressDialect = createResponsesDialect();
