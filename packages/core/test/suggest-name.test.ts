import { describe, expect, it } from 'vitest';
import { suggestName } from '../src/validation/suggest-name.js';

describe('suggestName (did you mean)', () => {
  const allowed = ['base_url', 'api_key', 'timeouts', 'headers', 'models_ttl_ms'];

  it('finds the allowed name a typo was meant to be', () => {
    expect(suggestName('bse_url', allowed)).toBe('base_url');
    expect(suggestName('API_KEY', allowed)).toBe('api_key');
    expect(suggestName('timeout', allowed)).toBe('timeouts');
  });

  it('suggests nothing for a name that is not close to any', () => {
    expect(suggestName('temperature', allowed)).toBeUndefined();
    expect(suggestName('x', [])).toBeUndefined();
  });

  it('does not spend time on a hostile, huge key', () => {
    expect(suggestName('b'.repeat(1_000_000), allowed)).toBeUndefined();
  });
});
