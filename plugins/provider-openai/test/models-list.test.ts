import type { HttpModelsAdapter } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import openai from '../src/index.js';

const models = openai({ api_key: 'sk-test' }).build().models as HttpModelsAdapter;

describe('the model list', () => {
  it('reads the models of a list that also holds entries that are not objects (null read as one was a TypeError: the whole list lost)', () => {
    const body = { object: 'list', data: [null, 5, 'gpt-4o', { id: 'gpt-4o-mini', owned_by: 'system', created: 1721172741 }, { id: 7 }] };
    expect(models.parseResponse(body)).toEqual([{ id: 'gpt-4o-mini', ownedBy: 'system', created: 1721172741 }]);
  });

  it('leaves out a created that is not whole Unix seconds (1e309, read as Infinity, was written as null)', () => {
    const body = { data: [{ id: 'a', created: Number.POSITIVE_INFINITY }, { id: 'b', created: 2.5 }, { id: 'c', created: -1 }, { id: 'd', created: 1700000000 }] };
    expect(models.parseResponse(body)).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd', created: 1700000000 }]);
  });
});
