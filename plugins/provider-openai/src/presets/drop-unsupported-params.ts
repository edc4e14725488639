import type { Logger } from '@switchyard/core';

/**
 * Fields named in the warning; past these, only counted. A provider that drops every field
 * it does not know (mistral) drops the client's own names: thousands of them, of any length.
 */
const maxNamed = 10;
const maxShownFieldLength = 64;

/**
 * Removes body fields the upstream would refuse, and says so in the call's log: a
 * setting the provider cannot honour is a warning, never a failed request. `n: 1`
 * is dropped quietly, since it asks for nothing beyond the default. `logger` may be
 * a function giving it, called only when a field is dropped: a call's logger is a
 * child logger made on first read, not worth making for a request that drops nothing.
 */
export function dropUnsupportedParams(
  body: Record<string, unknown>,
  unsupported: readonly string[],
  provider: string,
  logger: Logger | (() => Logger) | undefined,
): void {
  const dropped: string[] = [];
  for (const field of unsupported) {
    if (!(field in body)) continue;
    const value = body[field];
    delete body[field];
    if (field === 'n' && value === 1) continue;
    dropped.push(field);
  }
  if (dropped.length > 0) {
    const target = typeof logger === 'function' ? logger() : logger;
    const named = dropped.slice(0, maxNamed).map(shownField);
    const more = dropped.length - named.length;
    target?.warn(
      { provider, dropped: named, ...(more > 0 && { droppedCount: dropped.length }) },
      `${provider} does not accept ${named.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}; dropped from the request`,
    );
  }
}

function shownField(field: string): string {
  return field.length > maxShownFieldLength ? `${field.slice(0, maxShownFieldLength)}…` : field;
}
