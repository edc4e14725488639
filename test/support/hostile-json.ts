import fc from 'fast-check';

/** JSON text spliced in as it is, for what JSON.stringify cannot write (1e309, 10,000 levels). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a generated value, with RawJson parts written verbatim. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Numbers a JSON parser turns into Infinity, unsafe integers, underflows and huge sizes, plus ordinary ones. */
export const hostileNumber = fc.oneof(
  fc.constantFrom('1e309', '-1e309', '1e999', '9007199254740993', '-9007199254740993', '30000000', '1e-400', '-0', '0.5', '1e308', '4294967296').map((text) => new RawJson(text)),
  fc.integer({ min: -1000, max: 70_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Objects or arrays nested up to 3,000 levels, past any sane depth limit. */
export const deepNesting = fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()).map(([depth, arrays]) =>
  new RawJson(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);

/** Any JSON-ish value: hostile numbers, the given odd strings, deep nesting, ordinary JSON. */
export function hostileValue(oddString: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.oneof({ depthSize: 'small', maxDepth: 3 }, fc.constant(null), fc.boolean(), hostileNumber, oddString, deepNesting, fc.jsonValue({ maxDepth: 3 }));
}

/** A valid value most of the time, `anything` some of the time: valid-ish shapes mutated. */
export function mostlyValid(anything: fc.Arbitrary<unknown>) {
  return <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anything });
}
