import { Webhook } from 'standardwebhooks';

/** How long an endpoint has to answer before the attempt counts as failed. */
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
 */
export async function sendWebhook(input: { url: string; secret: string; eventId: string; body: string }): Promise<WebhookResult> {
  const sentAt = new Date();
  const signature = new Webhook(input.secret).sign(input.eventId, sentAt, input.body);
  const started = Date.now();
  try {
    const response = await fetch(input.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'loupe-billing-webhooks/1',
        'webhook-id': input.eventId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1_000)),
        'webhook-signature': signature,
      },
      body: input.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return { ok, statusCode: response.status, error: ok ? null : `HTTP ${response.status}`, durationMs: Date.now() - started };
  } catch (error) {
    return { ok: false, statusCode: null, error: (error as Error).message.slice(0, 500), durationMs: Date.now() - started };
  }
}
