import { isJsonObject } from '../../transport/upstream-wire-values.js';

/**
 * The fast path's `choices` (of a stream chunk, `key` `delta`, or a whole answer,
 * `message`) with each choice's holder replaced by what `retype` makes of it, copying
 * only what changes. `retype` answers undefined to leave a holder as it is; undefined
 * when no holder changed, so the upstream's bytes can go out as they came.
 */
export function retypeChoices(
  choices: readonly unknown[],
  key: 'delta' | 'message',
  retype: (holder: Record<string, unknown>) => Record<string, unknown> | undefined,
): unknown[] | undefined {
  let written: unknown[] | undefined;
  for (let at = 0; at < choices.length; at++) {
    const choice = choices[at];
    if (!isJsonObject(choice)) continue;
    const holder = choice[key];
    if (!isJsonObject(holder)) continue;
    const typed = retype(holder);
    if (typed === undefined) continue;
    written ??= choices.slice();
    written[at] = { ...choice, [key]: typed };
  }
  return written;
}
