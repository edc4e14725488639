import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, fromOpenAIFinishReason, loadConfig, parseChatCompletionsRequest, parseMessagesRequest, resolveEnvReferences } from '../src/index.js';

/**
 * Names a client, an upstream or a config file chooses, which a plain object answers
 * from Object.prototype (or, assigned, takes as its prototype) when used unguarded.
 */
const hostileNames = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

describe('fromOpenAIFinishReason', () => {
  it.each(hostileNames)('%s is an unknown reason: other, raw kept', (name) => {
    expect(fromOpenAIFinishReason(name)).toEqual({ unified: 'other', raw: name });
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool-calls'],
    ['function_call', 'tool-calls'],
    ['content_filter', 'content-filter'],
    ['eos', 'other'],
  ])('%s → %s, as before', (raw, unified) => {
    expect(fromOpenAIFinishReason(raw)).toEqual({ unified, raw });
  });
});

describe('a request field named __proto__ (JSON.parse makes it an own field)', () => {
  const messages = [{ role: 'user', content: 'Hi' }];

  it('Chat Completions: stays a field of provider_options.openai, as the fast path forwards it, not its prototype', () => {
    const body = JSON.parse(`{"model":"openai/gpt-4o-mini","messages":${JSON.stringify(messages)},"__proto__":{"temperature":2}}`);
    const openai = parseChatCompletionsRequest(body).request.providerOptions?.['openai'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(openai)).toBe(Object.prototype);
    expect(Object.keys(openai)).toEqual(['__proto__']);
    expect(openai['__proto__']).toEqual({ temperature: 2 });
  });

  it('Anthropic Messages: stays a field of provider_options.anthropic, not its prototype', () => {
    const body = JSON.parse(`{"model":"anthropic/claude","max_tokens":10,"messages":${JSON.stringify(messages)},"__proto__":{"top_k":3}}`);
    const anthropic = parseMessagesRequest(body).request.providerOptions?.['anthropic'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(anthropic)).toBe(Object.prototype);
    expect(Object.keys(anthropic)).toEqual(['__proto__']);
    expect(anthropic['__proto__']).toEqual({ top_k: 3 });
  });
});

describe('a config key named __proto__', () => {
  it('resolveEnvReferences keeps it a key and never makes it the copy\'s prototype', () => {
    const resolved = resolveEnvReferences(JSON.parse('{"models":{"__proto__":{"deployments":"${X}"}}}'), { X: 'x' }, []) as { models: Record<string, unknown> };
    expect(Object.getPrototypeOf(resolved.models)).toBe(Object.prototype);
    expect(Object.keys(resolved.models)).toEqual(['__proto__']);
    expect(resolved.models['__proto__']).toEqual({ deployments: 'x' });
    expect(resolved.models['deployments']).toBeUndefined();
  });

  it('a YAML `__proto__:` key is reported as an unknown key, not taken as the prototype of the server options', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-config-'));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), ['server:', '  __proto__:', '    port: 1234', 'chain: [adapter]'].join('\n'));
    const error = await loadConfig({ cwd, env: {} }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).formatLines()).toEqual([expect.stringMatching(/^switchyard\.config\.yaml:\d+ server\.__proto__: unknown key \(not allowed here\)$/)]);
  });
});
