/**
 * A sum of costs as it adds up in decimal. Summed as binary floats (SQLite's REAL column,
 * a running total in memory), 5 × $0.0017 reads 0.008499999999999999 where PostgreSQL's
 * numeric column says 0.0085. Fourteen significant digits keep the micro-dollar on sums up
 * to $100 million (twelve cut $12,345,678.123457 to $12,345,678.1235) and drop the noise,
 * which sits some sixteen digits down (SQLite sums REAL with compensation; the few rows
 * summed in memory add a digit at most).
 */
export function sumOfCosts(sum: number): number {
  return Number(sum.toPrecision(14));
}
