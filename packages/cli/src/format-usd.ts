/**
 * Dollars to the micro-dollar, as `/admin/usage` and the dashboard give them: four
 * decimals showed $0.000049 as $0.0000, and rows that did not add up to their total.
 */
export function formatUsd(value: number): string {
  return `$${value.toFixed(6)}`;
}
