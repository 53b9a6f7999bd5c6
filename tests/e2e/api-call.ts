/** One JSON call to the mesh's API as a client makes it: the answer's status, headers and parsed body. */
export type AuthHeaders = Record<string, string>;

export async function apiCall(method: string, url: string, body: unknown, headers: AuthHeaders) {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}
