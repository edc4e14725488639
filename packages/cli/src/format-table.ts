/** C0 controls, DEL and C1 controls: bytes a terminal acts on instead of showing. */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/g;
const namedEscapes: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A cell as it is safe to print: every control character written out visibly (`\x1b`,
 * `\n`), so a stored name cannot move the cursor, recolour or clear the terminal, or
 * break a row in two. Names stored before the admin API refused them, or written to
 * the store directly, may hold any of them.
 */
export function escapeControlCharacters(cell: string): string {
  return cell.replace(controlCharacters, (character) => namedEscapes[character] ?? `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

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
