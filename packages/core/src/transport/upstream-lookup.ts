import dns, { type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * How a name is resolved, every address at once: Node's `dns.lookup` (getaddrinfo on
 * libuv's thread pool, no timeout of its own) unless a test hands in its own.
 */
export type ResolveHostname = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface UpstreamLookupOptions {
  /** Resolves a name; `dns.lookup` when absent. */
  resolve?: ResolveHostname;
  /** How long an answer is reused: getaddrinfo gives no TTL. 30 s when absent. */
  cacheMs?: number;
  /** Most names resolved at once: libuv has 4 threads for DNS, zlib, crypto and files. 2 when absent. */
  maxInFlight?: number;
}

/** The longest a connection waits for its host's addresses, whatever its connect timeout. */
export const maxLookupMs = 5_000;

/**
 * The lookup bound of a connect timeout: half of it, so the lookup's own failure (naming the
 * host) comes before undici's connect timeout, which also runs while the name is resolved.
 */
export function lookupTimeoutFor(connectMs: number): number {
  return Math.max(1, Math.min(maxLookupMs, Math.floor(connectMs / 2)));
}

/** A lookup that gave no answer in time; the transport maps it to `upstream_unreachable`. */
export class UpstreamLookupTimeout extends Error {
  readonly code = 'UPSTREAM_LOOKUP_TIMEOUT';
  constructor(
    readonly hostname: string,
    readonly timeoutMs: number,
  ) {
    super(`the DNS lookup of ${hostname} gave no answer within ${timeoutMs} ms`);
    this.name = 'UpstreamLookupTimeout';
  }
}

type Answer = (error: NodeJS.ErrnoException | null, addresses?: LookupAddress[]) => void;

/** One name being resolved (or waiting for a free slot), and everyone waiting for it. */
interface Resolution {
  hostname: string;
  options: LookupAllOptions;
  waiters: Set<Answer>;
  started: boolean;
}

/**
 * Resolves upstream host names for the transport's connections: each caller waits a bounded
 * time, concurrent lookups of one name share one getaddrinfo, answers are reused for a short
 * while, and at most `maxInFlight` names are resolved at once, so a DNS server that hangs
 * holds at most that many of libuv's threads (zlib, crypto and files need the rest). A lookup
 * given up on still holds its slot until getaddrinfo returns: the thread is still busy.
 */
export class UpstreamLookup {
  private readonly resolve: ResolveHostname;
  private readonly cacheMs: number;
  private readonly maxInFlight: number;
  /** By name, family and hints: addresses and when they stop being reused. */
  private readonly answers = new Map<string, { addresses: LookupAddress[]; expiresAt: number }>();
  /** In start order: the names being resolved first, then the ones waiting for a slot. */
  private readonly resolutions = new Map<string, Resolution>();
  private inFlight = 0;

  constructor(options: UpstreamLookupOptions = {}) {
    // Looked up on the module at each call, as net.connect itself does.
    this.resolve = options.resolve ?? ((hostname, lookupOptions, callback) => dns.lookup(hostname, lookupOptions, callback));
    this.cacheMs = options.cacheMs ?? 30_000;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** A `net.connect` lookup whose callers wait at most `timeoutMs`. */
  forConnect(timeoutMs: number): LookupFunction {
    return (hostname, options, callback) => {
      const answer: Answer = (error, addresses) => {
        if (error || !addresses) callback(error, options.all ? [] : '');
        else if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      };
      this.lookup(hostname, options, timeoutMs, answer);
    };
  }

  private lookup(hostname: string, options: LookupOptions, timeoutMs: number, answer: Answer): void {
    const loopback = loopbackAddresses(hostname, options.family);
    if (loopback) return process.nextTick(answer, null, loopback);
    const key = `${hostname}\0${options.family ?? 0}\0${options.hints ?? 0}`;
    const cached = this.answers.get(key);
    if (cached && cached.expiresAt > Date.now()) return process.nextTick(answer, null, cached.addresses);

    let resolution = this.resolutions.get(key);
    if (!resolution) {
      const { all: _all, ...rest } = options;
      resolution = { hostname, options: { ...rest, all: true }, waiters: new Set(), started: false };
      this.resolutions.set(key, resolution);
    }
    const waiting = resolution;
    const waiter: Answer = (error, addresses) => {
      clearTimeout(timer);
      waiting.waiters.delete(waiter);
      answer(error, addresses);
    };
    const timer = setTimeout(() => {
      waiter(new UpstreamLookupTimeout(hostname, timeoutMs));
      // Nobody waits for a name not started yet: it need not be resolved.
      if (!waiting.started && waiting.waiters.size === 0 && this.resolutions.get(key) === waiting) this.resolutions.delete(key);
    }, timeoutMs);
    // A lookup pending at shutdown does not hold the process open.
    timer.unref();
    waiting.waiters.add(waiter);
    this.startWaiting();
  }

  /** Starts the names waiting for a slot, oldest first, while slots are free. */
  private startWaiting(): void {
    for (const [key, resolution] of this.resolutions) {
      if (this.inFlight >= this.maxInFlight) return;
      if (!resolution.started) this.start(key, resolution);
    }
  }

  private start(key: string, resolution: Resolution): void {
    resolution.started = true;
    this.inFlight++;
    let settled = false;
    const settle = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      this.resolutions.delete(key);
      if (!error && addresses.length > 0) {
        this.remember(key, addresses);
        for (const waiter of [...resolution.waiters]) waiter(null, addresses);
      } else {
        const failure = error ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${resolution.hostname}`), { code: 'ENOTFOUND' });
        for (const waiter of [...resolution.waiters]) waiter(failure);
      }
      this.startWaiting();
    };
    try {
      this.resolve(resolution.hostname, resolution.options, settle);
    } catch (error) {
      // dns.lookup throws on a name it refuses outright.
      settle(error as NodeJS.ErrnoException, []);
    }
  }

  private remember(key: string, addresses: LookupAddress[]): void {
    const now = Date.now();
    // Names come from the config's providers: few, but let expired ones go.
    for (const [name, answer] of this.answers) if (answer.expiresAt <= now) this.answers.delete(name);
    this.answers.set(key, { addresses, expiresAt: now + this.cacheMs });
  }
}

/** `localhost` is the loopback interface (RFC 6761), answered without asking the resolver. */
function loopbackAddresses(hostname: string, family: number | string | undefined): LookupAddress[] | undefined {
  if (hostname.toLowerCase() !== 'localhost') return undefined;
  const v4 = { address: '127.0.0.1', family: 4 };
  const v6 = { address: '::1', family: 6 };
  if (family === 4 || family === 'IPv4') return [v4];
  if (family === 6 || family === 'IPv6') return [v6];
  return [v4, v6];
}
