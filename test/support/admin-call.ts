/** The admin API called with the master key: the status and the parsed JSON body. */
export type AdminCall = (method: string, route: string, body?: unknown) => Promise<{ status: number; body: Record<string, any> }>;

/** An AdminCall on the gateway at `origin()`, read at each call (a gateway started in `beforeAll`). */
export function adminCaller(origin: () => string, masterKey: string): AdminCall {
  return async (method, route, body) => {
    const response = await fetch(`${origin()}/admin${route}`, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
}
