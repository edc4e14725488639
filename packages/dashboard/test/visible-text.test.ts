import { describe, expect, it } from 'vitest';
// @ts-expect-error the page's own module is plain JavaScript, without types
import { visibleText } from '../public/format.js';

const shown = visibleText as (value: unknown) => string;

describe('visibleText: what the dashboard shows of a stored name', () => {
  it('writes out every invisible format character the admin API refuses, so a name stored before cannot pass for another', () => {
    expect(shown('ops\u200b')).toBe('ops\\u200b');
    expect(shown('\ufeffbilling\u00ad')).toBe('\\ufeffbilling\\u00ad');
    expect(shown('a\u2060b\u{e0041}')).toBe('a\\u2060b\\u{e0041}');
    expect(shown('\u202eevil\u2066x\u2028')).toBe('\\u202eevil\\u2066x\\u2028');
  });

  it('leaves right-to-left letters and the joiners U+200C and U+200D as they are', () => {
    for (const text of ['مفتاح الفريق', 'می\u200cخواهم', 'team \u{1f469}\u200d\u{1f4bb}']) expect(shown(text)).toBe(text);
  });
});
