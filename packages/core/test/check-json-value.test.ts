import { describe, expect, it } from 'vitest';
import { scanJsonText } from '../src/http/scan-json-text.js';
import { checkJsonValue, GatewayError } from '../src/index.js';

/** Whether the scan refuses the text as nested deeper than `maxDepth`. */
const exceedsJsonDepth = (text: string, maxDepth: number) => scanJsonText(text, maxDepth) === 'too-deep';

describe('scanJsonText: depth', () => {
  it('counts objects and arrays, the top level being depth 1', () => {
    expect(exceedsJsonDepth('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(exceedsJsonDepth('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(exceedsJsonDepth('1', 1)).toBe(false);
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(JSON.stringify({ text: '[[[[{{{{' }), 1)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ text: 'say \\"[[[[\\" ok \\\\', more: '"{{' }), 1)).toBe(false);
    // The escaped backslash before the closing quote ends the string: the [ after it counts.
    expect(exceedsJsonDepth('{"a":"x\\\\",  "b":[[]]}', 2)).toBe(true);
  });

  it('leaves malformed text to JSON.parse', () => {
    expect(exceedsJsonDepth('{"a":"never closed [[[[', 1)).toBe(false);
    expect(exceedsJsonDepth('', 1)).toBe(false);
  });

  it('finds 2,000,000 levels without parsing them', () => {
    expect(exceedsJsonDepth('['.repeat(2_000_000), 64)).toBe(true);
  });
});

describe('checkJsonValue', () => {
  const refusal = (value: unknown, maxDepth = 64) => {
    try {
      checkJsonValue(value, { maxDepth });
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      return error as GatewayError;
    }
    return undefined;
  };

  it('refuses a non-finite number anywhere and names where', () => {
    expect(refusal(JSON.parse('{"max_tokens":1e309}'))).toMatchObject({ code: 'invalid_request', status: 400, param: 'max_tokens' });
    expect(refusal(JSON.parse('{"a":{"b":[0,-1e309]}}'))?.param).toBe('a.b[1]');
    expect(refusal(JSON.parse('{"a/b":{"~c":1e999}}'))?.param).toBe('a/b.~c');
    expect(refusal(JSON.parse('1e309'))?.param).toBeNull();
  });

  it('accepts finite numbers of every size JSON can carry', () => {
    expect(refusal(JSON.parse('{"a":1.7976931348623157e308,"b":-0,"c":[9007199254740993]}'))).toBeUndefined();
  });

  it('refuses nesting beyond maxDepth without recursion', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level++) deep = { a: deep };
    expect(refusal(deep)?.message).toContain('limits.max_json_depth');
    expect(refusal({ a: { b: [1] } }, 3)).toBeUndefined();
    expect(refusal({ a: { b: [[1]] } }, 3)?.code).toBe('invalid_request');
  });

  it('cuts a param built from very long keys', () => {
    const key = 'k'.repeat(10_000);
    expect(refusal({ [key]: Number.POSITIVE_INFINITY })!.param!.length).toBeLessThanOrEqual(201);
  });
});

describe('scanJsonText', () => {
  const scan = (text: string, maxDepth = 8) => scanJsonText(text, maxDepth);

  it('says plain when no number can parse to Infinity, so the parsed value needs no walk', () => {
    expect(scan('{"model":"m","n":1,"t":0.5,"ok":true,"no":false,"x":null,"neg":-12}')).toBe('plain');
    expect(scan(JSON.stringify({ text: '1e309 and 1E400 inside a string', ['9'.repeat(400)]: 'a key' }))).toBe('plain');
    expect(scan(`[${'9'.repeat(308)}]`)).toBe('plain');
  });

  it('says large-numbers for any exponent or a run of 309 digits, wherever it is', () => {
    for (const text of ['1e309', '{"a":[1,2,{"b":-1E400}]}', '{"a":1e-400}', '{"a":2.5e3}', `{"a":${'9'.repeat(309)}}`, `{"a":0.${'1'.repeat(400)}}`]) {
      expect(scan(text), text).toBe('large-numbers');
    }
  });

  it('still says too-deep first, and only for depth', () => {
    expect(scan('{"a":1e309,"b":[[[[]]]]}', 3)).toBe('too-deep');
    expect(exceedsJsonDepth('{"a":1e309}', 3)).toBe(false);
  });

  it('never says plain for a body checkJsonValue refuses as not finite', () => {
    const numbers = ['1e309', '-1e309', '1E+309', `${'1'.repeat(310)}`, `-${'9'.repeat(309)}.5`, '1.7976931348623159e308'];
    for (const number of numbers) {
      for (const text of [number, `{"a":${number}}`, `{"x":"1e5","a":[true,false,{"b":${number}}]}`]) {
        const parsed: unknown = JSON.parse(text);
        expect(() => checkJsonValue(parsed, { maxDepth: 8 }), text).toThrow(GatewayError);
        expect(scan(text), text).toBe('large-numbers');
      }
    }
  });
});
