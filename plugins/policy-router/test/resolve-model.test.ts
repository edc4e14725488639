import { GatewayError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../src/index.js';

const providers = new Set(['openai', 'mock', 'openrouter']);
const aliases = { smart: 'openai/gpt-4o', demo: 'mock/echo' };

describe('resolveModel', () => {
  it('resolves provider/model, splitting at the first slash', () => {
    expect(resolveModel('openai/gpt-4o-mini', aliases, providers)).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(resolveModel('openrouter/meta-llama/llama-3.1-8b', aliases, providers)).toEqual({
      provider: 'openrouter',
      model: 'meta-llama/llama-3.1-8b',
    });
  });

  it('resolves aliases first', () => {
    expect(resolveModel('smart', aliases, providers)).toEqual({ provider: 'openai', model: 'gpt-4o' });
  });

  it.each(['gpt-4o', 'anthropic/claude', '/gpt-4o', 'openai/'])('refuses %s with a 404 naming the model', (name) => {
    let caught: unknown;
    try {
      resolveModel(name, aliases, providers);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    expect((caught as GatewayError).message).toContain(`'${name}'`);
  });
});
