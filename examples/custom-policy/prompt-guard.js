// A chain step in one plain JavaScript file, loaded from the YAML by path
// (`use: ./prompt-guard.js`): no package, no build step.
import { definePlugin, GatewayError, getContext } from '@switchyard/core';

/**
 * prompt-guard: refuses a chat request whose user messages contain one of the
 * configured phrases (case-insensitive), before any provider is called.
 */
export default definePlugin({
  name: 'prompt-guard',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['blocked_phrases'],
    properties: {
      blocked_phrases: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } },
    },
  },
  create(options) {
    const phrases = options.blocked_phrases.map((phrase) => phrase.toLowerCase());
    return (_req, res, next) => {
      const request = getContext(res).chatRequest;
      const userText = (request?.messages ?? [])
        .filter((message) => message.role === 'user')
        .flatMap((message) => message.content.map((part) => (part.type === 'text' ? part.text : '')))
        .join('\n')
        .toLowerCase();
      if (phrases.some((phrase) => userText.includes(phrase))) {
        throw new GatewayError('invalid_request', 'The prompt contains a phrase this gateway does not accept.', { param: 'messages' });
      }
      next();
    };
  },
});
