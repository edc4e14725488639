import { isScalar, visit, YAMLParseError, type Document, type LineCounter } from 'yaml';

/**
 * The first key written twice in one map, reported as the yaml package reports it
 * ("Map keys must be unique at line L, column C"), found in one pass with a set per
 * map. The package's own check (`uniqueKeys`) compares each key with every earlier
 * one of its map: a map of 50,000 entries (600 KB) took ~20 s to parse.
 * Keys are equal as the package judges them: scalars with the same value.
 */
export function findDuplicateKey(document: Document.Parsed, lineCounter: LineCounter): YAMLParseError | undefined {
  let first: number | undefined;
  visit(document, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        if (!seen.has(key.value)) seen.add(key.value);
        else if (key.range && (first === undefined || key.range[0] < first)) first = key.range[0];
      }
    },
  });
  if (first === undefined) return undefined;
  const error = new YAMLParseError([first, first + 1], 'DUPLICATE_KEY', 'Map keys must be unique');
  const at = lineCounter.linePos(first);
  error.linePos = [at];
  error.message += ` at line ${at.line}, column ${at.col}`;
  return error;
}
