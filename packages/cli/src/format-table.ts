import { escapeControlCharacters } from './terminal-text.js';

/** Rows under a header, each column as wide as its widest cell, two spaces apart. */
export function formatTable(header: string[], rows: string[][]): string {
  const shown = [header, ...rows].map((row) => row.map(escapeControlCharacters));
  const widths = header.map((_title, column) => Math.max(...shown.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${shown.map(line).join('\n')}\n`;
}
