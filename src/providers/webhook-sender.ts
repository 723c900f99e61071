import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { resolveWebhookTarget, type WebhookTargetPolicy } from './webhook-target.js';

/** How long an endpoint has to answer (resolving its name included) before the attempt counts as failed. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookResult {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/**
 * Sends one signed webhook per the Standard Webhooks spec: `webhook-id` (the event id, the same on
 * every retry so receivers can drop duplicates), `webhook-timestamp` (seconds, wall-clock time of this
 * attempt) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the
 * endpoint's `whsec_` secret), signed by the official `standardwebhooks` package.
 *
 * The target is checked first (see webhook-target.ts) and the connection goes to the very address
 * checked. Redirects are not followed: a 3xx is a failed attempt.
 */
export async function sendWebhook(input: { url: string; secret: string; eventId: string; body: string; targets: WebhookTargetPolicy; signal?: AbortSignal }): Promise<WebhookResult> {
  const started = Date.now();
  const timeout = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
  const signal = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;
  const failed = (error: string): WebhookResult => ({ ok: false, statusCode: null, error: error.slice(0, 500), durationMs: Date.now() - started });
  try {
    const target = await abortable(resolveWebhookTarget(input.url, input.targets), signal);
    if (!target.ok) return failed(target.reason);
    const sentAt = new Date();
    const statusCode = await post({
      url: target.url,
      // The name is still what TLS verifies and what the Host header says; only the lookup is fixed.
      lookup: pinnedLookup(target.address, target.family),
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(input.body)),
        'user-agent': 'loupe-billing-webhooks/1',
        'webhook-id': input.eventId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1_000)),
        'webhook-signature': new Webhook(input.secret).sign(input.eventId, sentAt, input.body),
      },
      body: input.body,
      signal,
    });
    const durationMs = Date.now() - started;
    if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode, error: null, durationMs };
    const error = statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode}: redirects are not followed` : `HTTP ${statusCode}`;
    return { ok: false, statusCode, error, durationMs };
  } catch (error) {
    if (timeout.aborted) return failed(`The endpoint did not answer within ${WEBHOOK_TIMEOUT_MS / 1_000} seconds.`);
    return failed((error as Error).message);
  }
}

/** A lookup that answers with the checked address whatever it is asked, so DNS is not asked again. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/** POSTs on a connection of its own (no pooled socket from another lookup) and answers the status. */
function post(input: { url: URL; lookup: LookupFunction; headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<number> {
  const request = input.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(input.url, { method: 'POST', headers: input.headers, lookup: input.lookup, agent: false, signal: input.signal }, (response: IncomingMessage) => {
      // Only the status matters; the body is not read.
      resolve(response.statusCode ?? 0);
      response.destroy();
    });
    outgoing.on('error', reject);
    outgoing.end(input.body);
  });
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
