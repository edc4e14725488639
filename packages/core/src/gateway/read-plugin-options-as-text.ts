import { compileValidator, type JsonSchema } from '../validation/compile-validator.js';
import { replaceAtPointer, valueAtPointer } from '../validation/json-pointer.js';
import type { TextReadings } from '../validation/put-back-text.js';

/**
 * Puts back as text, in the config itself, each whole `${VAR}` of a plugin's options that was read
 * as a number or a boolean where the plugin's schema wants a string (an `api_key` of digits, a
 * header `x-goog-user-project: ${PROJECT}`). The gateway's schema leaves plugin options to the
 * plugin; in the config, the plugin, the checks that read the config (a provider's key is
 * redacted from model names) and a second check of it (`start` hands its checked config to
 * createGateway, its references gone) see the same string. `pointer` is where the options sit in
 * the config; a `use:` key among them is the gateway's, not the plugin's.
 */
export function readPluginOptionsAsText(schema: JsonSchema, options: Record<string, unknown>, pointer: string, typedReferences: TextReadings): void {
  const readings = new Map<string, string>();
  for (const [at, text] of typedReferences) {
    if (at.startsWith(`${pointer}/`) && at !== `${pointer}/use`) readings.set(at.slice(pointer.length), text);
  }
  if (readings.size === 0) return;
  let validate;
  try {
    validate = compileValidator(schema, { problems: 'every' });
  } catch {
    return; // A schema ajv cannot compile is the plugin's, reported when the plugin checks its options.
  }
  // On a copy: validation fills in defaults, which the config does not hold.
  const { use: _use, ...copy } = structuredClone(options);
  validate(copy, readings);
  for (const at of readings.keys()) {
    const value = valueAtPointer(copy, at);
    if (typeof value === 'string') replaceAtPointer(options, at, value);
  }
}
