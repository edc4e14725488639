/**
 * A budget limit as the stores count it (whole micro-dollars), or undefined when it is finer:
 * such a limit was taken as given and enforced rounded ($0.000000001 was $0, $0.0000015 let
 * $0.000002 be spent). Float noise from arithmetic (0.1 + 0.2) is not a finer limit: it is the
 * micro-dollar amount it stands for.
 */
export function wholeMicroDollars(usd: number): number | undefined {
  const micros = usd * 1_000_000;
  const whole = Math.round(micros);
  return Math.abs(micros - whole) <= 4 * Number.EPSILON * Math.max(1, micros) ? whole / 1_000_000 : undefined;
}

/** What a refused limit is told. */
export const wholeMicroDollarsProblem = 'budgets are counted in whole micro-dollars: give at most six decimal places (0.000001 is the smallest step)';
