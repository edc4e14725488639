import type { VirtualKey } from '@switchyard/core';
import { budgetWindowStart } from '../budget-window.js';
import type { AdminContext } from './admin-context.js';

/**
 * What a key has spent in its budget's current window, or null when it has no
 * budget or the budget store is not at hand. A store that fails costs the list
 * its spend column (logged), not the list itself.
 */
export async function budgetSpend(context: AdminContext, key: VirtualKey, at: Date): Promise<number | null> {
  const budget = key.scope.budget;
  if (!budget || !context.budgets) return null;
  try {
    return await context.budgets.spent(`key:${key.id}`, budgetWindowStart(budget.period, at));
  } catch (error) {
    context.logger.warn({ err: error, keyId: key.id }, 'could not read a key\'s budget spend for the key list');
    return null;
  }
}
