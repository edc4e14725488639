import type { ParseArgsConfig } from 'node:util';

const negativeNumber = /^-\d/;

/**
 * `--port -1`: parseArgs takes an argument starting with '-' for an option, and calls the flag's
 * value "ambiguous". A negative number is no option here: it is joined to its flag (`--port=-1`),
 * so the flag's own check says what is wrong with it, as it does for `--port=-1`.
 */
export function joinNegativeValues(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const takesValue = new Map<string, string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.type !== 'string') continue;
    takesValue.set(`--${name}`, name);
    if (option.short !== undefined) takesValue.set(`-${option.short}`, name);
  }
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    // After `--` every argument is a positional one, as parseArgs reads them.
    if (arg === '--') return [...joined, ...args.slice(index)];
    const name = takesValue.get(arg);
    const next = args[index + 1];
    if (name !== undefined && next !== undefined && negativeNumber.test(next)) {
      joined.push(`--${name}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}
