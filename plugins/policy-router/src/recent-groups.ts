import type { ModelGroup } from './model-group.js';

/**
 * The groups of the most recently resolved bare `provider/model` names, at most
 * `max`, the least recently used dropped first. A bare name's group is the same
 * every time (the config does not change while the gateway runs), so it is built
 * once rather than per request; the names are the clients' own, so the map is
 * bounded whatever they send.
 */
export class RecentGroups {
  private readonly groups = new Map<string, ModelGroup>();
  /** The name looked up or added last: a hit on it needs no reordering (the common case: one name used over and over). */
  private newest: string | undefined;

  constructor(private readonly max: number) {}

  get(name: string): ModelGroup | undefined {
    const group = this.groups.get(name);
    if (group !== undefined && name !== this.newest) {
      // A Map keeps insertion order: re-inserted, it is the last to go.
      this.groups.delete(name);
      this.groups.set(name, group);
      this.newest = name;
    }
    return group;
  }

  add(name: string, group: ModelGroup): void {
    if (this.groups.size >= this.max) {
      const oldest = this.groups.keys().next().value;
      if (oldest !== undefined) this.groups.delete(oldest);
    }
    this.groups.set(name, group);
    this.newest = name;
  }

  get size(): number {
    return this.groups.size;
  }
}
