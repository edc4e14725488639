export type * from './key-store.js';
export type * from './usage-ledger.js';
export type * from './budget-store.js';
