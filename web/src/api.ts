// Every call of the console goes through `/api/v1` with the token as a bearer token, like any client.
// The token lives in this tab's sessionStorage only: closing the tab signs out.
const TOKEN_KEY = 'seatsync-token';

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
  }
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

async function request(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${session.token() ?? ''}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`api/v1/${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new ApiFailure(response.status, body?.error?.code ?? 'http', body?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return response;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return (await request(path, init)).json() as Promise<T>;
}

/** A paged listing (`limit` + `cursor`): its items, and the cursor of the next page (null on the last). */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export async function apiBlob(path: string): Promise<Blob> {
  return (await request(path)).blob();
}
