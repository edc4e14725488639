/** ioredis's own connection setup: CLIENT SETNAME / SETINFO, the ready check's INFO, AUTH, SELECT. */
const handshake = new Set(['client', 'info', 'auth', 'select', 'hello']);

/**
 * The commands in bytes a Redis client sent (arrays of bulk strings, as every
 * client writes them), each as its arguments, the name lower-cased. A command cut
 * off at the end is left out. Pairs with `TcpRelay.swallowed()`.
 */
export function redisCommands(bytes: Buffer): string[][] {
  const commands: string[][] = [];
  let at = 0;
  const line = (): string | undefined => {
    const end = bytes.indexOf('\r\n', at);
    if (end === -1) return undefined;
    const text = bytes.toString('latin1', at, end);
    at = end + 2;
    return text;
  };
  while (at < bytes.length) {
    const header = line();
    if (header === undefined || !header.startsWith('*')) break;
    const args: string[] = [];
    for (let count = Number(header.slice(1)); args.length < count; ) {
      const length = line();
      if (length === undefined || !length.startsWith('$') || at + Number(length.slice(1)) + 2 > bytes.length) return commands;
      args.push(bytes.toString('utf8', at, at + Number(length.slice(1))));
      at += Number(length.slice(1)) + 2;
    }
    if (args.length === 0) continue;
    args[0] = args[0]!.toLowerCase();
    commands.push(args);
  }
  return commands;
}

/** The commands in `bytes` other than a connection's setup (see {@link redisCommands}): the ones a caller asked for. */
export function redisWorkCommands(bytes: Buffer): string[][] {
  return redisCommands(bytes).filter(([name]) => !handshake.has(name!));
}
