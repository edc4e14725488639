import fc from 'fast-check';

/** Numbers as JSON text that a parser turns into Infinity, -0, unsafe integers or underflows, numbers as strings, and ordinary ones. */
export const hostileNumberText = fc.constantFrom('1e309', '-1e309', '-0', '9007199254740993', '-9007199254740993', '1e-400', '0.1', '4294967296', '"1"', '"1e309"', '"NaN"', '"-1"', '1.5', '0', '-1', '1e308', '123456789012345678901234567890');

/** Objects that pollute a prototype if merged or assigned carelessly. */
export const protoObjectText = fc.constantFrom(
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"__proto__":null}',
  '{"prototype":{"polluted":true}}',
  '{"a":1,"a":{"__proto__":{"polluted":1}}}',
  '{"toString":"x","valueOf":1,"hasOwnProperty":null}',
);

/** Objects or arrays nested 50 to 5,000 levels. */
export const deepText = fc.tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean()).map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/**
 * JSON text of any hostile kind, nested up to three levels: the odd numbers, prototype
 * objects and deep nesting above, `oddStrings` (the surface's own odd string values), and
 * objects whose keys are drawn from `keys` (the surface's field names).
 */
export function hostileJsonText(keys: readonly string[], oddStrings: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      fc.constantFrom('null', 'true', 'false', '[]', '{}'),
      hostileNumberText,
      oddStrings,
      protoObjectText,
      deepText,
      fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
      fc.array(fc.tuple(fc.constantFrom(...keys), tie('value')), { maxLength: 3 }).map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
    ),
  })).value;
}
