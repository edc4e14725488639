import { GatewayError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../src/index.js';

const providers = new Set(['openai', 'mock']);
const aliases = { smart: 'openai/gpt-4o', demo: 'mock/echo' };

describe('resolveModel with a client model named like an Object.prototype member', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('%s is no alias: a 404 naming the model, not a TypeError', (name) => {
    expect(() => resolveModel(name, aliases, providers)).toThrow(GatewayError);
    expect(() => resolveModel(name, aliases, providers)).toThrow(expect.objectContaining({ code: 'model_not_found', status: 404 }));
  });
});
