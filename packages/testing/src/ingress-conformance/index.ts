export { testIngressDialect } from './test-ingress-dialect.js';
export type { ClientView, IngressDialectConformanceTarget } from './ingress-dialect-conformance-target.js';
