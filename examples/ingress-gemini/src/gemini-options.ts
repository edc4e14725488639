import type { JsonSchema } from '@switchyard/core';

/** Options of the Gemini ingress plugin, after validation. */
export interface GeminiIngressOptions {
  /**
   * Where the routes live: `/v1beta` (what Google's SDKs call) gives
   * `/v1beta/models/{model}:generateContent` and `…:streamGenerateContent`.
   */
  base_path: string;
}

export const geminiIngressOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Plain path segments only: it becomes part of an Express route.
    base_path: { type: 'string', pattern: '^(/[A-Za-z0-9_.-]{1,32}){1,4}$', default: '/v1beta' },
  },
};
