import type { ErrorObject } from 'ajv';
import { replaceAtPointer, valueAtPointer } from './json-pointer.js';

/**
 * Values that were read as a number or a boolean from text that may as well be a string (a
 * config value that is one whole `${VAR}`), by JSON Pointer into the checked value: the text
 * each was read from. The schema decides which they are.
 */
export type TextReadings = ReadonlyMap<string, string>;

/**
 * Puts back its text in place of each value of `readings` that the schema refused for its type
 * where it takes a string (an `api_key` of digits, a header of `true`), as ajv reported the
 * refusal in `errors`. Returns whether it put back any: then the value is checked again. A value
 * that is text already is left alone, so each is put back at most once.
 */
export function putBackTextWhereStringWanted(value: unknown, errors: readonly ErrorObject[], readings: TextReadings): boolean {
  let changed = false;
  for (const error of errors) {
    // A `propertyNames` type error is about a key, not the value at the path.
    if (error.keyword !== 'type' || error.propertyName !== undefined) continue;
    const text = readings.get(error.instancePath);
    if (text === undefined || !String((error.params as { type: unknown }).type).split(',').includes('string')) continue;
    if (typeof valueAtPointer(value, error.instancePath) === 'string') continue;
    changed = replaceAtPointer(value, error.instancePath, text) || changed;
  }
  return changed;
}
