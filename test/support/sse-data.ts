/** The `data:` values of an SSE body as the client received it, in order (`[DONE]` included). */
export function sseData(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
}
