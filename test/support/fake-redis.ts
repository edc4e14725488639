import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A RESP2 reply: `{ error }` is `-…`, `{ status }` is `+…`, a number `:…`, a string or Buffer a
 * bulk string, null the null bulk string, an array `*…` of replies.
 */
export type RespReply = { error: string } | { status: string } | number | string | Buffer | null | RespReply[];

/** How the fake answers a command (its name lower-cased); undefined leaves it to the fake's defaults. */
export type FakeRedisAnswer = (command: string[]) => RespReply | undefined;

/**
 * The error replies a real Redis gives when it cannot do what the gateway asks (its own words).
 * `READONLY` is a replica (a failover demoted the primary), `LOADING` a restart reading its
 * dataset, `MISCONF` a failed RDB save with stop-writes-on-bgsave-error, `BUSY` a script
 * running past lua-time-limit, `NOSCRIPT` an EVALSHA of a script the server does not hold
 * (after a restart, a failover or SCRIPT FLUSH), `CROSSSLOT` a Redis in cluster mode given keys of
 * several hash slots in one command or script.
 */
export const redisErrorReplies = {
  OOM: "OOM command not allowed when used memory > 'maxmemory'.",
  READONLY: "READONLY You can't write against a read only replica.",
  LOADING: 'LOADING Redis is loading the dataset in memory',
  MISCONF:
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
  BUSY: 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.',
  NOSCRIPT: 'NOSCRIPT No matching script. Please use EVAL.',
  CROSSSLOT: "CROSSSLOT Keys in request don't hash to the same slot",
} as const;

export interface FakeRedis {
  port: number;
  /** `redis://` on loopback at the fake's port, with `password` (and `user`) when given: the fake accepts any. */
  url(password?: string, user?: string): string;
  /** Every command received, on every connection, in order: its arguments, the name lower-cased. */
  readonly commands: string[][];
  /** How commands are answered from now on (see {@link FakeRedisAnswer}). */
  answerWith(answer: FakeRedisAnswer): void;
  /** Connections open now. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A Redis that is not one: a RESP2 server on loopback that answers a client's connection setup
 * as Redis does (CLIENT SETNAME / SETINFO, AUTH, SELECT, INFO with `loading:0`, PING, QUIT,
 * SUBSCRIBE) and every other command as `answer` says, by default `-ERR unknown command`. For
 * the replies a shared Redis cannot be made to give without changing its config (OOM, READONLY,
 * LOADING, MISCONF, BUSY, NOSCRIPT): `answer` returns `{ error: redisErrorReplies.OOM }`.
 * `answer` sees every command first, the setup's included (an INFO saying `loading:1`).
 */
export async function startFakeRedis(answer: FakeRedisAnswer = () => undefined): Promise<FakeRedis> {
  let current = answer;
  const commands: string[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    let subscriptions = 0;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const { parsed, rest } = parseCommands(pending);
      pending = rest;
      for (const command of parsed) {
        commands.push(command);
        const [name = '', ...args] = command;
        const given = current(command);
        if (given !== undefined) {
          socket.write(encode(given));
          continue;
        }
        if (name === 'subscribe' || name === 'psubscribe') {
          for (const channel of args) socket.write(encode([name, channel, ++subscriptions]));
          continue;
        }
        if (name === 'unsubscribe' || name === 'punsubscribe') {
          for (const channel of args) socket.write(encode([name, channel, Math.max(0, --subscriptions)]));
          continue;
        }
        socket.write(encode(defaultReply(name, args)));
        if (name === 'quit') socket.end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url(password, user) {
      const credentials = password === undefined ? '' : `${encodeURIComponent(user ?? '')}:${encodeURIComponent(password)}@`;
      return `redis://${credentials}127.0.0.1:${port}`;
    },
    commands,
    answerWith(next) {
      current = next;
    },
    connections: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function defaultReply(name: string, args: string[]): RespReply {
  switch (name) {
    case 'client':
    case 'auth':
    case 'select':
    case 'quit':
      return { status: 'OK' };
    case 'ping':
      return args.length > 0 ? args[0]! : { status: 'PONG' };
    case 'info':
      return '# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n# Persistence\r\nloading:0\r\n';
    default:
      return { error: `ERR unknown command '${name}', with args beginning with: ` };
  }
}

/** Whole commands (arrays of bulk strings, as clients send them) at the start of `bytes`, and what is left. */
function parseCommands(bytes: Buffer): { parsed: string[][]; rest: Buffer } {
  const parsed: string[][] = [];
  let at = 0;
  for (;;) {
    const start = at;
    const header = readLine(bytes, at);
    if (!header || !header.text.startsWith('*')) return { parsed, rest: bytes.subarray(start) };
    at = header.next;
    const args: string[] = [];
    const count = Number(header.text.slice(1));
    while (args.length < count) {
      const length = readLine(bytes, at);
      if (!length) return { parsed, rest: bytes.subarray(start) };
      const size = Number(length.text.slice(1));
      if (length.next + size + 2 > bytes.length) return { parsed, rest: bytes.subarray(start) };
      args.push(bytes.toString('utf8', length.next, length.next + size));
      at = length.next + size + 2;
    }
    if (args.length > 0) args[0] = args[0]!.toLowerCase();
    parsed.push(args);
  }
}

function readLine(bytes: Buffer, at: number): { text: string; next: number } | undefined {
  const end = bytes.indexOf('\r\n', at);
  return end === -1 ? undefined : { text: bytes.toString('latin1', at, end), next: end + 2 };
}

function encode(reply: RespReply): Buffer {
  if (reply === null) return Buffer.from('$-1\r\n');
  if (typeof reply === 'number') return Buffer.from(`:${reply}\r\n`);
  if (typeof reply === 'string' || Buffer.isBuffer(reply)) {
    const body = typeof reply === 'string' ? Buffer.from(reply) : reply;
    return Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
  }
  if (Array.isArray(reply)) return Buffer.concat([Buffer.from(`*${reply.length}\r\n`), ...reply.map(encode)]);
  if ('error' in reply) return Buffer.from(`-${reply.error.replace(/[\r\n]+/g, ' ')}\r\n`);
  return Buffer.from(`+${reply.status}\r\n`);
}
