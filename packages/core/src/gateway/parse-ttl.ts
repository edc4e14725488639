const unitMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration from the config (`30d`, `12h`, `90m`, `3600s`; the schema has checked
 * the shape and bounded the number) in milliseconds.
 */
export function parseTtl(ttl: string): number {
  const match = /^(\d+)([smhd])$/.exec(ttl);
  if (!match) throw new Error(`'${ttl}' is not a duration such as 30d, 12h, 90m or 3600s`);
  return Number(match[1]) * unitMs[match[2]!]!;
}
