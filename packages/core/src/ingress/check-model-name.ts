import { GatewayError } from '../errors/gateway-error.js';

// Visible ASCII without spaces: every model id of every provider we know fits
// (`openrouter/meta-llama/llama-3.1-8b:free`, `bedrock/us.anthropic.claude-…-v1:0`),
// and such a name is safe in a header value, a log line or a metric label.
const modelNamePattern = /^[\x21-\x7e]+$/;

// A part between slashes that is `.` or `..` names no model, and a provider that puts the
// model in its URL's path (Azure's deployment, Bedrock's model id) would have it resolved
// as a dot segment: `azure/..` called `/openai/chat/completions` with the gateway's key.
const dotSegment = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Refuses a model name a client sent that is not a string, is too long, has
 * characters outside visible ASCII or a dot segment (`azure/..`). The name is never echoed back: it may be
 * megabytes of anything. Not a string: an ingress plugin's dialect may hand on what
 * it read unchecked (a repeated `?model=` is a list, a missing one undefined).
 *
 * @throws {GatewayError} `invalid_request` (400), `param: 'model'`.
 */
export function checkModelName(name: unknown, maxLength: number): asserts name is string {
  if (typeof name !== 'string') {
    throw new GatewayError('invalid_request', "Invalid value for 'model': expected a model name ('provider/model' or an alias).", { param: 'model' });
  }
  if (name.length > maxLength) {
    throw new GatewayError('invalid_request', `Invalid value for 'model': longer than ${maxLength} characters (limits.max_model_name_length).`, {
      param: 'model',
    });
  }
  if (!modelNamePattern.test(name)) {
    throw new GatewayError(
      'invalid_request',
      "Invalid value for 'model': a model name is visible ASCII characters without spaces ('provider/model' or an alias).",
      { param: 'model' },
    );
  }
  if (dotSegment.test(name)) {
    throw new GatewayError('invalid_request', "Invalid value for 'model': no part of a model name between slashes is '.' or '..'.", { param: 'model' });
  }
}

/** Whether `name` is one `checkModelName` accepts: safe to name back to the client. */
export function isModelName(name: string, maxLength: number): boolean {
  return name.length <= maxLength && modelNamePattern.test(name);
}

/** Whether a provider's listed model id can be called as `provider/<id>`: /v1/models lists no name the gateway then refuses. */
export function isCallableModelId(id: string): boolean {
  return modelNamePattern.test(id) && !dotSegment.test(id);
}
