/**
 * Whether a tool call's input, as JSON text, begins as an object: the only input an
 * Anthropic `tool_use` takes. Both streamed paths go by a call's first fragment that is
 * not blank, and write a call whose input begins otherwise ([1,2], "abc", 3}) with the
 * input `{}`, as a whole answer reads it (parseToolInput).
 */
export function startsObject(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** Whether a fragment of input is blank, so says nothing yet of what the input begins as. */
export function isBlankFragment(text: string): boolean {
  return text.trim() === '';
}
