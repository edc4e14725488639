import { describe, expect, it } from 'vitest';
import { registerModelNameSecrets } from '../src/errors/redact-model-name.js';
import { builtInPriceSheets, redactModelName } from '../src/index.js';

describe('redactModelName', () => {
  it('keeps every model id of the price catalog, and the usual ways to name one, as they are', () => {
    const names = Object.entries(builtInPriceSheets).flatMap(([provider, sheet]) => Object.keys(sheet.models).map((model) => `${provider}/${model}`));
    names.push('smart', 'auto', 'openrouter/meta-llama/llama-3.1-8b', 'bedrock/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0');
    names.push('openai/ft:gpt-4o-mini-2024-07-18:my-org::9abcDEFg', 'together/mistralai/Mixtral-8x7B-Instruct-v0.1', 'mock/gpt-4o-typo');
    // A long run that is not random (no digits among its letters) is a name too.
    names.push(`mock/${'m'.repeat(251)}`, `mock/made-up-7-${'z'.repeat(200)}`);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(redactModelName(name)).toBe(name);
  });

  it.each([
    ['a Switchyard key alone', 'sy-4kQ9xV2mLp7RtY8wQeZ3nB6cD1fG5hJ0kL9mN2pQ4r', '[REDACTED]'],
    ['a Switchyard key after a provider', 'mock/sy-4kQ9xV2mLp7RtY8wQeZ3nB6cD1fG5hJ0kL9mN2pQ4r', 'mock/[REDACTED]'],
    ['an OpenAI project key', 'openai/sk-proj-Zq3vA9xLm2Pk7RtY8wQe', 'openai/[REDACTED]'],
    ['a Google key', 'gemini/AIzaSyA1b2C3d4E5f6G7h8I9j0', 'gemini/[REDACTED]'],
    ['an AWS access key id', 'bedrock/AKIAIOSFODNN7EXAMPLE', 'bedrock/[REDACTED]'],
    ['an Azure key (32 hex digits)', 'azure/9f86d081884c7d659a2feaa0c55ad015', 'azure/[REDACTED]'],
    ['a URL with a password', 'vllm/postgres://app:hunter2hunter2@db/x', 'vllm/postgres://app:[REDACTED]@db/x'],
  ])('blanks %s', (_what, name, shown) => {
    expect(redactModelName(name)).toBe(shown);
  });

  describe("with a running gateway's credentials registered", () => {
    // No known prefix, and no run of 32 letters and digits: only being known finds them.
    const bedrockSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const handSetMasterKey = 'correct-horse-battery-staple-0042';

    it('blanks a name holding one whole, or its start or end of 12 characters or more, and keeps the others', () => {
      const release = registerModelNameSecrets([bedrockSecret, handSetMasterKey, undefined], ['smart', 'bedrock/amazon.titan-embed-text-v2:0']);
      try {
        expect(redactModelName(`bedrock/${bedrockSecret}`)).toBe('bedrock/[REDACTED]');
        expect(redactModelName(handSetMasterKey)).toBe('[REDACTED]');
        expect(redactModelName(`mock/x-${handSetMasterKey.slice(0, 14)}`)).toBe('mock/x-[REDACTED]');
        expect(redactModelName(`mock/${bedrockSecret.slice(-12)}`)).toBe('mock/[REDACTED]');
        for (const name of ['smart', 'bedrock/amazon.titan-embed-text-v2:0', 'mock/gpt-4o-typo', 'horse-battery']) expect(redactModelName(name)).toBe(name);
        // Configured names are let through as before, key-shaped parts still blanked in the others.
        expect(redactModelName('mock/sk-proj-Zq3vA9xLm2Pk7RtY8wQe')).toBe('mock/[REDACTED]');
      } finally {
        release();
      }
      // Released with its gateway: the process no longer holds it.
      expect(redactModelName(handSetMasterKey)).toBe(handSetMasterKey);
    });

    it('blanks a name spelling one (or a key-shaped string) with HTML character references, and keeps a name with references and no credential as it is', () => {
      const referenced = (text: string) => [...text].map((char, index) => (index % 2 ? `&#x${char.charCodeAt(0).toString(16)};` : `&#${char.charCodeAt(0)};`)).join('');
      const release = registerModelNameSecrets([handSetMasterKey], []);
      try {
        expect(redactModelName(referenced(handSetMasterKey))).toBe('[REDACTED]');
        expect(redactModelName(`mock/${referenced(handSetMasterKey)}`)).toBe('mock/[REDACTED]');
        expect(redactModelName(`mock/&amp;#99;${handSetMasterKey.slice(1)}`)).toBe('mock/[REDACTED]');
        expect(redactModelName('openai/&#115;k-proj-Zq3vA9xLm2Pk7RtY8wQe')).toBe('openai/[REDACTED]');
        expect(redactModelName(`azure/${referenced('9f86d081884c7d659a2feaa0c55ad015')}`)).toBe('azure/[REDACTED]');
        for (const name of ['mock/a&#98;c', 'mock/R&amp;D-model', 'mock/&#104;orse-battery']) expect(redactModelName(name)).toBe(name);
      } finally {
        release();
      }
    });

    it('never lets a configured name through that holds a key', () => {
      const release = registerModelNameSecrets([handSetMasterKey], [`mock/${handSetMasterKey}`, 'mock/sk-proj-Zq3vA9xLm2Pk7RtY8wQe']);
      try {
        expect(redactModelName(`mock/${handSetMasterKey}`)).toBe('mock/[REDACTED]');
        expect(redactModelName('mock/sk-proj-Zq3vA9xLm2Pk7RtY8wQe')).toBe('mock/[REDACTED]');
      } finally {
        release();
      }
    });
  });
});
