/**
 * Splits Server-Sent Events text into its events. Each event keeps its blank-line
 * terminator (CRLF CRLF, LF LF or CR CR), so the events joined are the text byte for byte.
 */
export function splitSseEvents(text: string): string[] {
  return text.split(/(?<=\r\n\r\n|(?<!\r)\n\n|\r\r(?!\n))/).filter((event) => event !== '');
}
