/**
 * A sum of costs as it adds up in decimal. Summed as binary floats (SQLite's REAL column,
 * a running total in memory), 5 × $0.0017 reads 0.008499999999999999 where PostgreSQL's
 * numeric column says 0.0085. Twelve significant digits keep a picodollar on a dollar and
 * a tenth of a micro-dollar on $100,000, far more than any price carries, and drop the
 * noise, which sits some sixteen digits down.
 */
export function sumOfCosts(sum: number): number {
  return Number(sum.toPrecision(12));
}
