import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * docs/plugins.md is what a plugin author writes a provider from, often in plain
 * JavaScript, where no type says that a `text-delta` part carries its text in `delta`.
 * The page named the part types and some fields, not `delta` or `finishReason`: a
 * decoder written from it with `{ type: 'text-delta', text }` streamed
 * `"content":undefined` to every client (not JSON). Each part's and each content
 * part's required fields are read here from the canonical types and looked for in
 * the page's paragraph that describes them.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const doc = readFileSync(path.join(root, 'docs/plugins.md'), 'utf8');

/** Each interface of a union type alias in a canonical source file: its `type` value and its required fields. */
function unionMembers(file: string, alias: string): Array<{ type: string; fields: string[] }> {
  const source = ts.createSourceFile(file, readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  let union: ts.UnionTypeNode | undefined;
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
    if (ts.isTypeAliasDeclaration(node) && node.name.text === alias && ts.isUnionTypeNode(node.type)) union = node.type;
  });
  expect(union, `${alias} in ${file}`).toBeDefined();
  return union!.types.map((member) => {
    const declaration = interfaces.get(member.getText(source))!;
    expect(declaration, member.getText(source)).toBeDefined();
    const fields = declaration.members.filter(ts.isPropertySignature);
    const typeField = fields.find((field) => field.name.getText(source) === 'type')!;
    return {
      type: JSON.parse(typeField.type!.getText(source).replaceAll("'", '"')) as string,
      fields: fields.filter((field) => !field.questionToken && field !== typeField).map((field) => field.name.getText(source)),
    };
  });
}

/** The bullet of docs/plugins.md that begins with this bolded name, up to the next bullet. */
function bullet(name: string): string {
  const start = doc.indexOf(`- **\`${name}`);
  expect(start, name).toBeGreaterThan(-1);
  const end = doc.indexOf('\n- **', start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

describe('docs/plugins.md names every field a provider plugin writes', () => {
  it.each(unionMembers('packages/core/src/canonical/stream-part.ts', 'StreamPart'))('createStreamDecoder: the $type part and its fields', ({ type, fields }) => {
    const text = bullet('createStreamDecoder');
    expect(text).toContain(`\`${type}\``);
    for (const field of fields) expect(text, `${type}.${field}`).toContain(`\`${field}\``);
  });

  it.each(unionMembers('packages/core/src/canonical/chat-request.ts', 'AssistantContentPart'))('parseResponse: the $type content part and its fields', ({ type, fields }) => {
    const text = bullet('parseResponse');
    expect(text).toContain(`\`${type}\``);
    for (const field of fields) expect(text, `${type}.${field}`).toContain(`\`${field}\``);
  });
});

describe("docs/plugins.md's step, saved as §1's YAML names it, in a new project", () => {
  // The YAML loaded the step from `./tenant-tag.js`; in a folder whose package.json says
  // "type": "commonjs" (what `npm init -y` writes) that file's `import` lines failed to load.
  let folder: string | undefined;
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('passes switchyard validate', async () => {
    const yaml = /^```yaml\n([\s\S]*?)^```$/m.exec(doc)![1]!;
    const file = /use: (\.\/[\w.-]+)/.exec(yaml)?.[1];
    expect(file, 'a step loaded from a file').toBeDefined();
    const step = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!).find((code) => code.includes('definePlugin<'))!;
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-plugin-doc-'));
    await writeFile(path.join(folder, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'commonjs' }));
    await mkdir(path.join(folder, 'node_modules/@switchyard'), { recursive: true });
    await symlink(path.join(root, 'packages/core'), path.join(folder, 'node_modules/@switchyard/core'), 'dir');
    await writeFile(path.join(folder, file!), ts.transpileModule(step, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
    await writeFile(path.join(folder, 'switchyard.config.yaml'), yaml);
    const result = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(process.execPath, [path.join(root, 'packages/cli/dist/bin.js'), 'validate'], { cwd: folder, env: { ...process.env, ACME_API_KEY: 'acme-placeholder-0123456789' }, timeout: 20_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
    expect(result.output).not.toContain('Cannot use import statement outside a module');
    expect(result, result.output).toMatchObject({ code: 0 });
    expect(result.output).toContain('tenant-tag');
  }, 30_000);
});

describe("docs/plugins.md's adapter and operation interfaces", () => {
  // The page writes them out for plugin authors in plain JavaScript, who have no type to
  // check against; each member it shows is held to the one core exports, signature and all.
  const signature = (member: ts.TypeElement, source: ts.SourceFile) => member.getText(source).replace(/\s+/g, ' ').replace(/;$/, '');
  const interfaces = (text: string) => {
    const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.ES2022, true);
    const found = new Map<string, string[]>();
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node)) found.set(node.name.text, node.members.map((member) => signature(member, source)));
    });
    return found;
  };
  const documented = new Map([...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].flatMap((match) => [...interfaces(match[1]!)]));
  const core = interfaces(readFileSync(path.join(root, 'packages/core/src/plugin/provider-types.ts'), 'utf8'));

  it('names some', () => expect(documented.size).toBeGreaterThan(4));

  it.each([...documented.keys()])('%s: every member as core declares it', (name) => {
    expect(core.get(name), `${name} in provider-types.ts`).toBeDefined();
    expect(documented.get(name)!.filter((member) => !core.get(name)!.includes(member))).toEqual([]);
  });
});
