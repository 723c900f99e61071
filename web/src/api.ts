/**
 * The web app's only way to the server: the public HTTP API (API.md), with the session cookie and,
 * on every write, the session's CSRF token. Errors arrive as problem+json and become ApiError.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: Record<string, string[]> = {},
    readonly body: Record<string, unknown> = {},
    /** When the request was sent (Date.now()): an answer to a request of an earlier session is not about this one. */
    readonly sentAt: number = Date.now(),
  ) {
    super(detail);
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const sentAt = Date.now();
  const response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    throw new ApiError(
      response.status,
      String(parsed.code ?? 'ERROR'),
      String(parsed.detail ?? response.statusText),
      (parsed.errors as Record<string, string[]> | undefined) ?? {},
      parsed,
      sentAt,
    );
  }
  return parsed as T;
}

/**
 * What to show under a form: the first message for `field`, else a sentence per field the server
 * named ("Current password is not your current password."), else the problem's detail — never a
 * list of field names.
 */
export function errorMessage(error: unknown, field?: string): string | null {
  if (!error) return null;
  if (!(error instanceof ApiError)) return (error as Error).message;
  const own = field ? error.errors[field]?.[0] : undefined;
  if (own) return own;
  const sentences = Object.entries(error.errors)
    .filter(([, messages]) => messages.length > 0)
    .map(([name, messages]) => `${fieldLabel(name)} ${messages[0]!.replace(/\.$/, '')}.`);
  return sentences.length > 0 ? sentences.join(' ') : error.detail;
}

/** "current_password" → "Current password"; "settings.emails[0]" → "Emails". */
function fieldLabel(name: string): string {
  const last = name.split('.').at(-1)!.replace(/\[\d+\]$/, '').replace(/_/g, ' ');
  return last.charAt(0).toUpperCase() + last.slice(1);
}
