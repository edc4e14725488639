import type { IngressDialect } from '@switchyard/core';
import { formatGeminiError } from './format-gemini-error.js';
import { formatGenerateContentResponse } from './format-generate-content-response.js';
import { GeminiStreamEncoder } from './gemini-stream-encoder.js';
import { parseGenerateContentRequest } from './parse-generate-content-request.js';

/** Gemini's generateContent wire format as an ingress dialect: pure translators, no I/O. */
export const geminiDialect: IngressDialect = {
  name: 'gemini-generate-content',
  parse: parseGenerateContentRequest,
  formatResponse: formatGenerateContentResponse,
  createStreamEncoder: (options) => new GeminiStreamEncoder(options),
  formatError: formatGeminiError,
};
