import { describe, expect, it } from 'vitest';
import { ModelResolver, singleDeploymentGroup } from '../src/index.js';
import { RecentGroups } from '../src/recent-groups.js';

const groupOf = (name: string) => singleDeploymentGroup(name, { provider: 'p', model: name }, false);

describe('RecentGroups', () => {
  it('keeps at most `max` groups, dropping the least recently used', () => {
    const recent = new RecentGroups(2);
    recent.add('a', groupOf('a'));
    recent.add('b', groupOf('b'));
    expect(recent.get('a')?.name).toBe('a');
    recent.add('c', groupOf('c'));
    expect(recent.size).toBe(2);
    expect(recent.get('b')).toBeUndefined();
    expect(recent.get('a')?.name).toBe('a');
    expect(recent.get('c')?.name).toBe('c');
  });
});

describe('ModelResolver and bare provider/model names', () => {
  const resolver = () => new ModelResolver({ alias: 'openai/gpt-4o' }, new Set(['openai']));

  it('gives the same group for the same bare name, equal to a fresh one', () => {
    const models = resolver();
    const first = models.resolve('openai/gpt-4o-mini');
    expect(models.resolve('openai/gpt-4o-mini')).toBe(first);
    expect(first).toEqual(singleDeploymentGroup('openai/gpt-4o-mini', { provider: 'openai', model: 'gpt-4o-mini' }, false));
  });

  it('still refuses a name whose provider is not configured, every time', () => {
    const models = resolver();
    expect(() => models.resolve('nope/m')).toThrow(/no provider named 'nope'/);
    expect(() => models.resolve('nope/m')).toThrow(/no provider named 'nope'/);
  });

  it('stays bounded however many distinct names clients send, and still resolves each', () => {
    const models = resolver();
    for (let index = 0; index < 1000; index++) expect(models.resolve(`openai/model-${index}`).deployments[0]!.model).toBe(`model-${index}`);
    const recent = (models as unknown as { bare: RecentGroups }).bare;
    expect(recent.size).toBeLessThanOrEqual(64);
    expect(models.resolve('alias').configured).toBe(true);
  });
});
