import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CreditsDenied, LoupeError, UsageNotRecorded, type DenialReason, type LoupeClient, type UsageBuffer, type UsageRecorded } from '@loupe-billing/client';
import { complete, estimateTokens, streamCompletion } from './fake-model.js';

/**
 * A tiny host backend: each AI route runs the (fake) model through loupe-billing, so every call is
 * authorized first and charged after. The org and user come in the body to keep the example short;
 * a real app takes them from its session.
 */
export interface HostAppOptions {
  readonly loupe: LoupeClient;
  /** Where work that ran but could not be charged goes, to be recorded again later. */
  readonly onUnrecorded?: (error: UsageNotRecorded) => void;
  /** Batches the usage of bulk work (POST /documents/classify); default: 100 events or 250 ms. */
  readonly usageBuffer?: UsageBuffer;
}

interface AiRequest {
  readonly org: string;
  readonly user: string;
  readonly prompt: string;
  /** Bulk work: one model call per document. */
  readonly documents?: readonly string[];
}

// #region messages
/** What the host shows its users when loupe-billing says no. */
export const DENIAL_MESSAGES: Record<DenialReason, string> = {
  CREDITS_EXHAUSTED: 'Your organization has used all its AI credits. An admin can buy credits or turn on on-demand usage.',
  OVERAGE_LIMIT_REACHED: "Your organization has reached this month's on-demand limit. An admin can raise the limit or buy credits.",
  USER_LIMIT_REACHED: "You have used your monthly AI credit limit. It resets with the next billing period; an admin can raise it.",
  FEATURE_DISABLED: 'This AI feature is turned off for your organization. An admin can turn it on in AI Features.',
  SUBSCRIPTION_INACTIVE: "Your organization's subscription has ended.",
};
// #endregion messages

export function createHostApp(options: HostAppOptions): Server {
  const { loupe } = options;

  // #region ask
  /** POST /assistant/ask {org, user, prompt} → {answer, credits, available} */
  async function ask(input: AiRequest) {
    let usage: UsageRecorded | undefined;
    const answer = await loupe.withCredits(
      {
        org: input.org,
        user: input.user,
        feature: 'assistant',
        action: 'ask',
        estimatedTokens: estimateTokens(input.prompt),
        onUsage: (recorded) => (usage = recorded),
      },
      async () => {
        const completion = await complete(input.prompt);
        return { tokens: completion.tokens, result: completion.text };
      },
    );
    return { answer, credits: usage?.credits, sources: usage?.sources, available: usage?.available };
  }
  // #endregion ask

  // #region summarize
  /** POST /reports/summarize {org, user, prompt}: the "reports" module, which an admin may turn off. */
  async function summarize(input: AiRequest) {
    const summary = await loupe.withCredits(
      { org: input.org, user: input.user, feature: 'reports', action: 'summarize', estimatedTokens: estimateTokens(input.prompt) },
      async () => {
        const completion = await complete(`Summarize: ${input.prompt}`);
        return { tokens: completion.tokens, result: completion.text };
      },
    );
    return { summary };
  }
  // #endregion summarize

  // #region stream
  /** POST /assistant/ask/stream {org, user, prompt} → the answer as text, a word at a time. */
  async function askStream(input: AiRequest, response: ServerResponse) {
    // Authorizes before the first byte, so a refusal can still be a 402.
    const stream = await loupe.withCreditsStream(
      { org: input.org, user: input.user, feature: 'assistant', action: 'ask', estimatedTokens: estimateTokens(input.prompt) },
      async function* (_hold, meter) {
        for await (const chunk of streamCompletion(input.prompt)) {
          meter.add(chunk.tokens);
          yield chunk.text;
        }
      },
    );
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    // The usage is recorded once, when the loop ends (or the client goes away mid-answer).
    for await (const text of stream) {
      if (response.destroyed) break;
      response.write(text);
    }
    response.end();
  }
  // #endregion stream

  // #region batch
  /**
   * POST /documents/classify {org, user, prompt, documents: [...]}: bulk work in the background of the
   * app, one model call per document. Nobody waits on each call, so there is no authorize per
   * document: the usage goes to the buffer, which sends it in batches (POST /v1/usage/batch) and
   * answers each event on its own. Usage that already happened is always recorded.
   */
  const usageBuffer = options.usageBuffer ?? loupe.createUsageBuffer({ flushAt: 100, flushIntervalMs: 250, maxQueued: 5_000 });
  async function classify(input: AiRequest) {
    const documents = input.documents ?? [input.prompt];
    const results = await Promise.all(
      documents.map(async (document, index) => {
        const completion = await complete(`${input.prompt}: ${document}`);
        const recorded = await usageBuffer.record({
          org_id: input.org,
          // A key the app can derive again: were this job run twice, each document would be charged once.
          idempotency_key: `classify-${input.org}-${hashOf(input.prompt)}-${hashOf(document)}-${index}`,
          user_id: input.user,
          feature: 'documents',
          action: 'classify',
          tokens: completion.tokens,
        });
        return { label: completion.text, credits: 'credits' in recorded ? recorded.credits : 0, recorded: recorded.status === 201 || recorded.status === 200 };
      }),
    );
    return { results };
  }
  // #endregion batch

  const routes: Record<string, (input: AiRequest, response: ServerResponse) => Promise<unknown>> = {
    'POST /assistant/ask': ask,
    'POST /assistant/ask/stream': askStream,
    'POST /reports/summarize': summarize,
    'POST /documents/classify': classify,
  };

  const server = createServer((request, response) => {
    const route = routes[`${request.method} ${request.url}`];
    if (!route) return sendJson(response, 404, { error: 'NOT_FOUND' });
    void handle(request, response, route);
  });
  // What waits in the buffer is sent before the app stops.
  server.on('close', () => void usageBuffer.close());
  return server;

  // #region errors
  async function handle(request: IncomingMessage, response: ServerResponse, route: (input: AiRequest, response: ServerResponse) => Promise<unknown>) {
    try {
      const input = await readAiRequest(request);
      if (!input) return sendJson(response, 400, { error: 'BAD_REQUEST', message: 'Send JSON {org, user, prompt}.' });
      const body = await route(input, response);
      if (!response.headersSent) sendJson(response, 200, body);
    } catch (error) {
      if (response.headersSent) return response.destroy();
      if (error instanceof CreditsDenied) {
        // Not an outage: the org's settings or balance say no. Tell the user why.
        return sendJson(response, 402, { error: error.reason, message: DENIAL_MESSAGES[error.reason] });
      }
      if (error instanceof UsageNotRecorded) {
        // The model answered but the charge did not go through: keep the usage to send again later.
        (options.onUnrecorded ?? ((unrecorded) => console.error('usage not recorded', JSON.stringify(unrecorded.usage))))(error);
        return sendJson(response, 200, { answer: error.result });
      }
      if (error instanceof LoupeError) {
        // Billing did not answer: this host fails closed (no AI without metering).
        return sendJson(response, 503, { error: 'BILLING_UNAVAILABLE', message: 'AI features are briefly unavailable; try again.' });
      }
      console.error(error);
      return sendJson(response, 500, { error: 'INTERNAL' });
    }
  }
  // #endregion errors
}

async function readAiRequest(request: IncomingMessage): Promise<AiRequest | null> {
  let text = '';
  for await (const part of request) text += String(part);
  try {
    const body = JSON.parse(text) as Partial<AiRequest>;
    const valid = typeof body.org === 'string' && typeof body.user === 'string' && typeof body.prompt === 'string';
    const documents = Array.isArray(body.documents) && body.documents.every((document) => typeof document === 'string') ? body.documents : undefined;
    return valid ? { org: body.org!, user: body.user!, prompt: body.prompt!, ...(documents ? { documents } : {}) } : null;
  } catch {
    return null;
  }
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
