import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * The fields an official SDK's response types declare required (no `?`), read from the
 * installed package's own `.d.ts`: the pinned SDK is the reference, so a newer SDK that
 * requires another field makes the conformance tests name it, with nothing copied here.
 * A `null`-able required field must still be present (as `null`): the SDKs' types say
 * the API always sends it, and their stream helpers read it.
 */

const require = createRequire(import.meta.url);
const interfacesByFile = new Map<string, Map<string, ts.InterfaceDeclaration>>();

function interfacesOf(modulePath: string): Map<string, ts.InterfaceDeclaration> {
  let found = interfacesByFile.get(modulePath);
  if (found) return found;
  // The packages' export maps hide their .d.ts files: found beside the package's entry point.
  const [, packageName, rest] = /^(@[^/]+\/[^/]+|[^/]+)\/(.+)$/.exec(modulePath)!;
  const file = join(dirname(require.resolve(packageName!)), rest!);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  found = new Map();
  const visit = (node: ts.Node, prefix: string) => {
    if (ts.isInterfaceDeclaration(node)) found!.set(prefix + node.name.text, node);
    else if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) {
      for (const statement of node.body.statements) visit(statement, `${prefix}${node.name.getText(source)}.`);
    }
  };
  for (const statement of source.statements) visit(statement, '');
  interfacesByFile.set(modulePath, found);
  return found;
}

/** The required property names of `interfaceName` (`RawMessageDeltaEvent.Delta` for a namespaced one) in `modulePath`. */
export function requiredFields(modulePath: string, interfaceName: string): string[] {
  const declaration = interfacesOf(modulePath).get(interfaceName);
  if (!declaration) throw new Error(`${modulePath} declares no interface ${interfaceName}`);
  const names: string[] = [];
  for (const member of declaration.members) {
    if (ts.isPropertySignature(member) && !member.questionToken && member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) {
      names.push(member.name.text);
    }
  }
  return names;
}

/** The required fields of `interfaceName` that `value` lacks (present as `null` counts as present). */
export function missingFields(value: unknown, modulePath: string, interfaceName: string): string[] {
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return requiredFields(modulePath, interfaceName).filter((name) => !(name in object) || object[name] === undefined);
}

export const anthropicMessagesTypes = '@anthropic-ai/sdk/resources/messages/messages.d.ts';
export const openAIResponsesTypes = 'openai/resources/responses/responses.d.ts';
export const openAIChatTypes = 'openai/resources/chat/completions/completions.d.ts';
