import type { ChatRequest, ToolChoice } from '../canonical/chat-request.js';
import { invalidRequest } from './check-ingress-body.js';

/**
 * OpenAI's `allowed_tools` choice as the canonical request says it: the model may call
 * only the named tools, so only those are offered (in the order of `tools`), and the
 * mode (`auto`, `required`) is the choice. Every provider understands a shorter list;
 * none has OpenAI's own field. `pointerOf(i)` names the i-th allowed name in a refusal.
 */
export function restrictToAllowedTools(
  request: ChatRequest,
  mode: 'auto' | 'required',
  names: readonly string[],
  pointerOf: (index: number) => string,
): ToolChoice {
  const offered = new Set(request.tools?.map((tool) => tool.name));
  names.forEach((name, index) => {
    if (!offered.has(name)) throw invalidRequest(pointerOf(index), `no tool named '${name.slice(0, 128)}' is defined in 'tools'`);
  });
  const allowed = new Set(names);
  if (request.tools) request.tools = request.tools.filter((tool) => allowed.has(tool.name));
  return { type: mode };
}
