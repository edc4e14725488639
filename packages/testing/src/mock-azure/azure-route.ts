/** Which Azure operation a path names, and on which deployment. */
export interface AzureRoute {
  /** `deployments`: `/openai/deployments/{d}/…` (needs `api-version`); `v1`: `/openai/v1/…`; `models`: `/openai/models`. */
  style: 'deployments' | 'v1' | 'models';
  /** The operation below the deployment or version: `/chat/completions`, `/embeddings`, `/models`. Scripts match on it. */
  operation: string;
  /** The deployment named in the path, for deployment URLs. */
  deployment?: string;
}

/** Reads a request path; undefined for paths Azure OpenAI does not serve. */
export function readAzureRoute(path: string): AzureRoute | undefined {
  const deployment = /^\/openai\/deployments\/([^/]+)(\/.*)$/.exec(path);
  if (deployment) return { style: 'deployments', deployment: decodeURIComponent(deployment[1]!), operation: deployment[2]! };
  const v1 = /^\/openai\/v1(\/.*)$/.exec(path);
  if (v1) return { style: 'v1', operation: v1[1]! };
  if (path === '/openai/models') return { style: 'models', operation: '/models' };
  return undefined;
}

/** Dated versions (`2024-10-21`, `2025-04-01-preview`) and the v1 API's `preview` / `latest`. */
export function isKnownApiVersion(version: string): boolean {
  return /^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version) || version === 'preview' || version === 'latest';
}
