import { GatewayError } from '../errors/gateway-error.js';
import { shownParam } from './shown-param.js';

/** What {@link checkJsonValue} bounds. */
export interface JsonValueLimits {
  /** Deepest nesting of objects and arrays; the top-level object is depth 1. */
  maxDepth: number;
}

interface Frame {
  value: object;
  depth: number;
  key: string;
  parent: Frame | undefined;
}

/**
 * Refuses a parsed JSON body with a number that is not finite anywhere in it (JSON
 * `1e309` parses to Infinity, which ajv's `integer` accepts and which becomes `null`
 * when serialized again), or nested deeper than `maxDepth`. Walks without recursion,
 * so no body can overflow the stack here.
 *
 * @throws {GatewayError} `invalid_request` (400) naming the field (`param`) or the limit.
 */
export function checkJsonValue(value: unknown, limits: JsonValueLimits): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notFinite(undefined, '');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const stack: Frame[] = [{ value, depth: 1, key: '', parent: undefined }];
  if (limits.maxDepth < 1) throw tooDeep(limits.maxDepth);
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const container = frame.value as Record<string, unknown>;
    for (const key in container) {
      const child = container[key];
      if (typeof child === 'number') {
        if (!Number.isFinite(child)) throw notFinite(frame, key);
      } else if (child !== null && typeof child === 'object') {
        if (frame.depth + 1 > limits.maxDepth) throw tooDeep(limits.maxDepth);
        stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
      }
    }
  }
}

function notFinite(frame: Frame | undefined, key: string): GatewayError {
  const segments = [key];
  for (let at = frame; at?.parent; at = at.parent) segments.push(at.key);
  const pointer = frame ? `/${segments.reverse().map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` : '';
  const param = shownParam(pointer);
  return new GatewayError(
    'invalid_request',
    `Invalid value for '${param || 'body'}': expected a finite number (a JSON number this large reads as infinity).`,
    { param: param || null },
  );
}

function tooDeep(maxDepth: number): GatewayError {
  return new GatewayError(
    'invalid_request',
    `The request body is nested deeper than the limit of ${maxDepth} levels (limits.max_json_depth).`,
  );
}
