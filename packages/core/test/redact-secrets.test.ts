import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/index.js';

describe('redactSecrets', () => {
  it('blanks known secrets and key-shaped strings', () => {
    const text =
      'Incorrect API key provided: sk-proj-****1a2b. Key AIzaSyA1234567890abcdefgh, bearer Bearer abc.def.ghi123, ours sy-0123456789abcdef, custom my-own-secret-value';
    const redacted = redactSecrets(text, ['my-own-secret-value']);
    for (const secret of ['sk-proj', 'AIzaSy', 'abc.def.ghi123', 'sy-0123', 'my-own-secret-value']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('Incorrect API key provided: [REDACTED]');
  });
});
