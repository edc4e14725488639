import { route } from './route-step.js';

export default route;
export { route, type RouteOptions } from './route-step.js';
export { resolveModel } from './resolve-model.js';
