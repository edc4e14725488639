import { describe, expect, it } from 'vitest';
import { carriesLogprobs } from '../src/gateway/logprobs-secret-tokens.js';

describe('carriesLogprobs: the raw-text look that turns logprobs blanking on for an answer that did not ask', () => {
  it.each([
    ['{"choices":[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}]}', false],
    ['{"type":"response.output_text.delta","delta":"hi","logprobs":[]}', false],
    ['{"type":"response.output_text.delta","delta":"hi","logprobs": [ ]}', false],
    ['{"choices":[{"delta":{"content":"say \\"logprobs\\""},"logprobs":null}]}', false],
    ['{"choices":[{"index":0,"logprobs":{"content":[],"refusal":null}}]}', true],
    ['{"choices":[{"index":0,"logprobs" : {"content":[{"token":"a"}]}}]}', true],
    ['{"type":"response.output_text.delta","logprobs":[{"token":"a"}]}', true],
    ['{"choices":[{"index":0,"logprob\\u0073":{"content":[{"token":"a"}]}}]}', 'maybe'],
    ['{"choices":[{"index":0,"\\u006cogprobs":{"content":[{"token":"a"}]}}]}', 'maybe'],
    // Text outside ASCII escaped (Python's json.dumps): no escape of a letter of the key, no parse.
    ['{"choices":[{"index":0,"delta":{"content":"\\u4e2d\\u6587 \\u00e9"},"logprobs":null}]}', false],
  ] as const)('%s → %s', (text, expected) => {
    expect(carriesLogprobs(text)).toBe(expected);
  });
});
