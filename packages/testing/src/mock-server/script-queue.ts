import type { MockScript } from './mock-script.js';

/** Scripts waiting for requests, first in, first out; a script whose `match` does not fit waits for a later request. */
export class ScriptQueue {
  private readonly scripts: MockScript[] = [];

  get size(): number {
    return this.scripts.length;
  }

  push(...scripts: MockScript[]): void {
    this.scripts.push(...scripts);
  }

  /** Removes and returns the first script that fits this request, if any. */
  take(method: string, path: string): MockScript | undefined {
    const index = this.scripts.findIndex((script) => fits(script, method, path));
    if (index === -1) return undefined;
    return this.scripts.splice(index, 1)[0];
  }

  clear(): void {
    this.scripts.length = 0;
  }
}

function fits(script: MockScript, method: string, path: string): boolean {
  const match = script.match;
  if (!match) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
  if (match.path !== undefined && match.path !== path && `/v1${match.path}` !== path) return false;
  return true;
}
