import type { JsonSchema } from '@switchyard/core';
import type { SmartRule } from './smart-rules.js';

/** Options of the route step. */
export interface RouteOptions {
  /** Smart routing: one model name whose target is chosen per request by rules. */
  smart?: {
    /** The model name clients send (default `auto`). */
    name: string;
    /** First match wins; the last rule, without `when`, is the default. */
    rules: SmartRule[];
  };
}

const ruleCondition: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    min_prompt_tokens: { type: 'integer', minimum: 0, maximum: 100_000_000 },
    max_prompt_tokens: { type: 'integer', minimum: 0, maximum: 100_000_000 },
    has_tools: { type: 'boolean' },
    has_images: { type: 'boolean' },
    json_mode: { type: 'boolean' },
    header: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'equals'],
      properties: { name: { type: 'string', minLength: 1 }, equals: { type: 'string' } },
    },
  },
};

export const routeOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    smart: {
      type: 'object',
      additionalProperties: false,
      required: ['rules'],
      properties: {
        name: { type: 'string', minLength: 1, default: 'auto' },
        rules: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['use'],
            properties: { when: ruleCondition, use: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
  },
};
