import { describe, expect, it } from 'vitest';
import { compileValidator } from '../src/validation/compile-validator.js';

const schema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    size: { type: 'integer', minimum: 1 },
    mode: { enum: ['fast', 'slow'], default: 'fast' },
  },
};

describe('compileValidator', () => {
  it('accepts a valid value and fills in its defaults', () => {
    const validate = compileValidator<{ name: string; mode?: string }>(schema);
    const value = { name: 'a' };
    const result = validate(value);
    expect(result).toEqual({ ok: true, value: { name: 'a', mode: 'fast' } });
  });

  it("names every problem of a refused value with problems: 'every', not only the first", () => {
    const validate = compileValidator(schema, { problems: 'every' });
    const result = validate({ size: 0, sise: 2 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: '/name', message: 'is required' },
        { path: '/sise', message: "unknown key (not allowed here); did you mean 'size'?" },
        { path: '/size', message: 'must be >= 1' },
      ]),
    );
    expect(result.problems).toHaveLength(3);
  });

  it('explains the second refusal as the first (the explaining validator is made once, on the first)', () => {
    const validate = compileValidator(schema);
    expect(validate({ name: 'ok' }).ok).toBe(true);
    const first = validate({ name: 1 });
    const second = validate({ name: 'a', size: 0 });
    const third = validate({ name: 1 });
    expect(first).toEqual({ ok: false, problems: [{ path: '/name', message: 'expected string' }] });
    expect(second).toEqual({ ok: false, problems: [{ path: '/size', message: 'must be >= 1' }] });
    expect(third).toEqual(first);
  });

  it('names a refused key of a map at the key itself, once, with what its name must be', () => {
    const validate = compileValidator({ type: 'object', propertyNames: { pattern: '^[a-z]+$' }, additionalProperties: { type: 'object' } });
    expect(validate({ good: {}, 'bad name!': {} })).toEqual({ ok: false, problems: [{ path: '/bad name!', message: 'is not a valid name: must match pattern "^[a-z]+$"' }] });
    expect(validate({ 'a/b': {} })).toEqual({ ok: false, problems: [{ path: '/a~1b', message: 'is not a valid name: must match pattern "^[a-z]+$"' }] });
  });

  it('names the problem inside the anyOf branch the value took, not the types of the branches it did not', () => {
    const validate = compileValidator({
      type: 'object',
      properties: { content: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', properties: { id: { type: 'string', maxLength: 3 } } } }] } },
    });
    // A list with an item at fault: the string branch's "expected string" at /content is not what is wrong.
    expect(validate({ content: [{ id: 'abcd' }] })).toEqual({ ok: false, problems: [{ path: '/content/0/id', message: 'must NOT have more than 3 characters' }] });
    // A value of neither type: the types are what is wrong.
    expect(validate({ content: 5 })).toEqual({ ok: false, problems: [{ path: '/content', message: 'expected string or array' }] });
  });
});

describe("compileValidator with problems: 'first' (the default)", () => {
  const list = { type: 'object', properties: { items: { type: 'array', items: { type: 'integer' } } } };

  it('names the first problem only, however many items are at fault', () => {
    expect(compileValidator(list, { problems: 'first' })({ items: [1, 'a', 'b', 'c'] })).toEqual({ ok: false, problems: [{ path: '/items/1', message: 'expected integer' }] });
    // 'every' names each one.
    expect(compileValidator(list, { problems: 'every' })({ items: [1, 'a', 'b', 'c'] })).toMatchObject({ ok: false, problems: { length: 3 } });
  });

  it('is what a validator without options does: a plugin checking a client body of 300,000 unknown keys makes one problem, not 300,000', () => {
    // The mock provider checks provider_options.mock this way; explaining every key held the event loop 22 s.
    const closed = { type: 'object', additionalProperties: false, properties: { latency_ms: { type: 'integer' } } };
    const hostile = Object.fromEntries(Array.from({ length: 300_000 }, (_, index) => [`k${index}`, 1]));
    expect(compileValidator(closed)(hostile)).toEqual({ ok: false, problems: [{ path: '/k0', message: 'unknown key (not allowed here)' }] });
  });

  it('still names the anyOf branch types at a value of neither type', () => {
    const validate = compileValidator({ type: 'object', properties: { stop: { anyOf: [{ type: 'string' }, { type: 'null' }] } } }, { problems: 'first' });
    expect(validate({ stop: 5 })).toEqual({ ok: false, problems: [{ path: '/stop', message: 'expected string or null' }] });
  });
});

describe('compileValidator names the problem of the anyOf branch of the value’s own type', () => {
  const stop = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 4 }, { type: 'null' }] };
  const choice = { anyOf: [{ enum: ['auto', 'none'] }, { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z]+$' } } }] };
  const schema = { type: 'object', properties: { stop, choice } };

  it.each([['every'], ['first']] as const)('problems: %s', (problems) => {
    const validate = compileValidator(schema, { problems });
    // An array of five: the array branch's limit is what is wrong, not "expected string or null".
    expect(validate({ stop: ['a', 'b', 'c', 'd', 'e'] })).toEqual({ ok: false, problems: [{ path: '/stop', message: 'must NOT have more than 4 items' }] });
    expect(validate({ stop: [] })).toEqual({ ok: false, problems: [{ path: '/stop', message: 'expected at least 1 item(s)' }] });
    // An object whose name is at fault: not "expected one of auto, none".
    expect(validate({ choice: { name: 'A B' } })).toEqual({ ok: false, problems: [{ path: '/choice/name', message: 'must match pattern "^[a-z]+$"' }] });
    // Values of no branch's type or value still hear what the branches take.
    expect(validate({ stop: 5 })).toEqual({ ok: false, problems: [{ path: '/stop', message: 'expected string, array or null' }] });
    const sometimes = validate({ choice: 'sometimes' });
    expect(sometimes.ok || sometimes.problems[0]).toEqual({ path: '/choice', message: 'expected one of "auto", "none"' });
  });

  // `server.workers: 0` was two problems on one line each: "must be >= 1" and 'expected "auto"'.
  it('a number past the number branch\'s bound: that bound alone, not the other branch\'s constant', () => {
    const workers = { anyOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }] };
    const validate = compileValidator({ type: 'object', properties: { workers } }, { problems: 'every' });
    expect(validate({ workers: 0 })).toEqual({ ok: false, problems: [{ path: '/workers', message: 'must be >= 1' }] });
    expect(validate({ workers: 'many' })).toEqual({ ok: false, problems: [{ path: '/workers', message: 'expected integer' }, { path: '/workers', message: 'expected "auto"' }] });
  });

  // A timeout of `.nan` was two problems on one line that contradict each other: "must be <= 86400000" and "must be >= 1".
  it('a NaN (YAML .nan) where a bounded number is wanted: one problem saying it is not a number', () => {
    const validate = compileValidator(
      {
        type: 'object',
        properties: {
          timeout_ms: { type: 'integer', minimum: 1, maximum: 86_400_000 },
          weight: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
          workers: { anyOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }] },
        },
      },
      { problems: 'every' },
    );
    expect(validate({ timeout_ms: Number.NaN, weight: Number.NaN, workers: Number.NaN })).toEqual({
      ok: false,
      problems: [
        { path: '/timeout_ms', message: 'is NaN (.nan), not a number' },
        { path: '/weight', message: 'is NaN (.nan), not a number' },
        { path: '/workers', message: 'is NaN (.nan), not a number' },
      ],
    });
    // Other numbers out of bounds are told the bound, as before.
    expect(validate({ timeout_ms: 0 })).toEqual({ ok: false, problems: [{ path: '/timeout_ms', message: 'must be >= 1' }] });
  });
});
