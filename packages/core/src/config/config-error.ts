import { LineCounter, parseDocument } from 'yaml';
import { blankLongRandomRuns } from '../errors/redact-model-name.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import { pointerToParam, type ValidationProblem } from '../validation/compile-validator.js';

/** A problem in a config file; `line` when known without the pointer (a file that does not parse). */
export interface ConfigProblem extends ValidationProblem {
  line?: number;
}

/**
 * Everything wrong with a config, reported at once. Each problem names the file, the
 * line where it can be found, the path inside the file and what was expected.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Every problem found; not enumerable: a path may hold a name pasted from the file (a key). */
  declare readonly problems: ConfigProblem[];
  /** The file's text, to find a problem's line; private, so that no log or inspection prints the file (its keys). */
  readonly #sourceText: string | undefined;

  constructor(
    problems: ConfigProblem[],
    readonly file?: string,
    sourceText?: string,
  ) {
    super(`invalid configuration${file ? ` in ${file}` : ''}: ${problems.length} problem(s)`);
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    this.#sourceText = sourceText;
    // An embedding app prints the message (console.error, its logger, an uncaught rejection): it says what is wrong, redacted.
    this.message += this.formatLines().map((line) => `\n  ${line}`).join('');
  }

  /** One line per problem: `switchyard.config.yaml:12 providers.openai.api_key: expected string`. */
  formatLines(): string[] {
    const locate = this.#sourceText && this.file ? lineLocator(this.#sourceText) : undefined;
    const located = this.problems.map((problem) => ({ problem, line: problem.line ?? locate?.(problem.path) }));
    // In file order, so the report reads top to bottom like the file.
    located.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
    return located.map(({ problem, line }) => {
      const where = this.file ? `${this.file}${line ? `:${line}` : ''} ` : '';
      // A problem quotes names from the file (an unknown key, a plugin, a model): a key pasted where a
      // name goes (`openai: { sk-… }`) would be printed back; key-shaped text is blanked, and so is a long
      // random run of letters and digits (a key of no known prefix: Azure's, Mistral's, Cohere's).
      return redactSecrets(`${where}${blankLongRandomRuns(`${pointerToParam(problem.path) || '(top level)'}: ${problem.message}`)}`);
    });
  }
}

/** Finds the line of the deepest node that exists along a JSON Pointer. */
export function lineLocator(text: string): (pointer: string) => number | undefined {
  const lineCounter = new LineCounter();
  let document: ReturnType<typeof parseDocument>;
  try {
    // No check of keys written twice (the loader made it, in one pass): the package's own takes time square in a map's size.
    document = parseDocument(text, { lineCounter, uniqueKeys: false });
  } catch {
    return () => undefined;
  }
  return (pointer) => {
    const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    for (let depth = segments.length; depth > 0; depth--) {
      const path = segments.slice(0, depth).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}
