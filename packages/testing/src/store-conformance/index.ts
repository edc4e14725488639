export { testKeyStore } from './test-key-store.js';
export { testUsageLedger } from './test-usage-ledger.js';
export { testBudgetStore } from './test-budget-store.js';
export { testResponseStore, type ResponseStoreSuiteOptions } from './test-response-store.js';
