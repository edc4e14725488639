/**
 * Cuts one event into the pieces written to the socket. `true` cuts inside every
 * multi-byte UTF-8 character (and in the middle of an event that has none), which
 * is what breaks a client that decodes each network chunk on its own; a number
 * writes pieces of that many bytes.
 */
export function splitForNetwork(event: string, splitBytes: boolean | number | undefined): Buffer[] {
  const bytes = Buffer.from(event, 'utf8');
  if (!splitBytes || bytes.length < 2) return [bytes];
  return cutBytesAt(bytes, typeof splitBytes === 'number' ? everyNthByte(bytes.length, splitBytes) : insideMultiByteCharacters(bytes));
}

/** The pieces of `bytes` between the cuts, which are in ascending order and inside it. */
export function cutBytesAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

function everyNthByte(length: number, size: number): number[] {
  const step = Math.max(1, Math.floor(size));
  const cuts: number[] = [];
  for (let cut = step; cut < length; cut += step) cuts.push(cut);
  return cuts;
}

function insideMultiByteCharacters(bytes: Buffer): number[] {
  const cuts: number[] = [];
  for (let index = 0; index < bytes.length - 1; index++) {
    // A lead byte (11xxxxxx) starts a multi-byte character: cut right after it.
    const byte = bytes[index] ?? 0;
    if ((byte & 0xc0) === 0xc0) cuts.push(index + 1);
  }
  return cuts.length > 0 ? cuts : [Math.floor(bytes.length / 2)];
}
