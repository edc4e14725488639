/**
 * Token counts an upstream may write that are not counts, as JSON text, each named:
 * an answer whose usage holds one must be billed the gateway's estimate, not 0 and
 * not the value as it came. (A count written as digits in a string, `"9"`, is read
 * as the number.)
 */
export const unreadableTokenCounts: ReadonlyArray<readonly [name: string, json: string]> = [
  ['negative', '-9'],
  ['fractional', '9.5'],
  ['past Infinity (1e309)', '1e309'],
  ['past 2^53', '9007199254740992'],
  ['text that is not digits', '"lots"'],
  ['an object', '{"value":9}'],
];
