import { pointerToParam } from './compile-validator.js';

/** A `param` longer than this is cut: it is built from the client's own keys. */
const maxParamLength = 200;

/**
 * Characters no one sees but terminals and log readers act on: control characters (C0
 * with line breaks and ESC, DEL, C1), format characters (Unicode Cf: bidi controls,
 * zero-width space, byte order mark …) but the zero-width non-joiner and joiner that
 * Persian words and emoji need, and the line and paragraph separators.
 */
const unseenCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/gu;

/**
 * Client text a 400 names back (a key of the body, a type it gave), with every unseen
 * character written as its escape (`\u000d`, `\u202e`): SDKs print `error.message` and
 * apps log it, where a raw line break split the line and ESC rewrote the terminal.
 */
export function escapeUnseen(text: string): string {
  return text.replace(unseenCharacters, (character) => {
    const code = character.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The `param` of a 400 for a JSON pointer into a client's body (`/messages/0/role` →
 * `messages[0].role`), cut to 200 characters: a key of the body may be megabytes of
 * anything, and is named back at most in part, its unseen characters escaped.
 */
export function shownParam(pointer: string): string {
  const param = pointerToParam(pointer);
  return escapeUnseen(param.length > maxParamLength ? `${param.slice(0, maxParamLength)}…` : param);
}
