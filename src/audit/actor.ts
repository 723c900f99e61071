import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who is making the change in flight: set by the HTTP layer for each request (the signed-in user or
 * the API key, the address and user agent), read by recordAudit. Outside a request (the billing jobs,
 * provider events) the actor is the system.
 */
export type AuditActor =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'api_key'; readonly keyHash: string }
  | { readonly kind: 'system' };

export interface AuditRequest {
  actor: AuditActor;
  ip: string | null;
  userAgent: string | null;
}

const storage = new AsyncLocalStorage<AuditRequest>();

/** Runs `next` (the rest of the request) with its own audit context, filled in once the caller is known. */
export function runWithAuditContext(context: AuditRequest, next: () => void): void {
  storage.run(context, next);
}

export function currentAuditRequest(): AuditRequest | undefined {
  return storage.getStore();
}

/** For work done on behalf of someone outside a request (a test, a CLI command). */
export function withAuditActor<T>(actor: AuditActor, work: () => Promise<T>): Promise<T> {
  return storage.run({ actor, ip: null, userAgent: null }, work);
}
