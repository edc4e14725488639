import { defineIngress } from '@switchyard/core';
import { geminiDialect } from './gemini-dialect.js';
import { geminiIngressOptionsSchema, type GeminiIngressOptions } from './gemini-options.js';
import { streamRouteName } from './parse-generate-content-request.js';

/**
 * Gemini's API as a door into the gateway: `POST {base_path}/models/{model}:generateContent`
 * and `…:streamGenerateContent?alt=sse`, answered in Gemini's shapes, whatever
 * provider serves the model. Every policy of the chain applies (keys, budgets, limits,
 * routing, cache, ledger).
 */
const geminiIngress = defineIngress<GeminiIngressOptions>({
  name: 'gemini',
  optionsSchema: geminiIngressOptionsSchema,
  create: (options) => ({
    dialect: geminiDialect,
    routes: [
      { method: 'post', path: `${options.base_path}/models/:model\\:generateContent`, name: 'generateContent' },
      { method: 'post', path: `${options.base_path}/models/:model\\:${streamRouteName}`, name: streamRouteName },
    ],
    // countTokens, embedContent, a model list …: not served, but answered in Google's shape.
    pathPrefix: options.base_path,
  }),
});

export default geminiIngress;
export { geminiIngress, geminiDialect, geminiIngressOptionsSchema, type GeminiIngressOptions };
export { parseGenerateContentRequest, streamRouteName } from './parse-generate-content-request.js';
export { formatGenerateContentResponse } from './format-generate-content-response.js';
export { formatGeminiError } from './format-gemini-error.js';
export { GeminiStreamEncoder } from './gemini-stream-encoder.js';
export type * from './gemini-wire-types.js';
