import { LoupeApiError, LoupeError } from './errors.js';
import { backoffDelayMs, DEFAULT_RETRY, sleep } from './retry.js';
import type { JsonBody, SuccessBody } from './types.js';

/** One usage event of a batch: the body of a single usage record plus its org. */
export type UsageEvent = NonNullable<JsonBody<'/v1/usage/batch', 'post'>>['events'][number];
/** The answer to one event of a batch: `status` 201 recorded, 200 replayed, or 404 / 409 / 422 with `code`. */
export type UsageEventResult = NonNullable<SuccessBody<'/v1/usage/batch', 'post'>>['results'][number];
/** An event to buffer: its idempotency key is made when it is left out, and kept across retries. */
export type BufferedEvent = Omit<UsageEvent, 'idempotency_key'> & { idempotency_key?: string };

/** The most events one batch request may carry. */
export const MAX_BATCH_EVENTS = 1_000;

export interface UsageBufferOptions {
  /** Send a batch once this many events wait (1–1,000). Default 500. */
  readonly flushAt?: number;
  /** Send what waits at most this long after the first of it was recorded. Default 1,000 ms. */
  readonly flushIntervalMs?: number;
  /** Events waiting or in flight before `record` refuses with UsageBufferFull. Default 10,000. */
  readonly maxQueued?: number;
  /** Attempts per batch after a timeout, network error, 5xx or 429 (the first included). Default 6. */
  readonly maxAttempts?: number;
}

/** `record` was refused: `maxQueued` events already wait. Slow down, or flush and await it. */
export class UsageBufferFull extends LoupeError {
  override name = 'UsageBufferFull';
  constructor(readonly maxQueued: number) {
    super(`The usage buffer already holds ${maxQueued} events`, 'USAGE_BUFFER_FULL');
  }
}

/** `record` after `close()`. */
export class UsageBufferClosed extends LoupeError {
  override name = 'UsageBufferClosed';
  constructor() {
    super('The usage buffer is closed', 'USAGE_BUFFER_CLOSED');
  }
}

export interface UsageBuffer {
  /** Queues one event; the promise settles with that event's own result once its batch is answered. */
  record(event: BufferedEvent): Promise<UsageEventResult>;
  /** Sends everything waiting now; resolves when it is answered. */
  flush(): Promise<void>;
  /** Flushes what is left and refuses later events. */
  close(): Promise<void>;
  /** Events waiting or in flight. */
  readonly size: number;
}

type SendBatch = (events: UsageEvent[]) => Promise<UsageEventResult[]>;

interface Pending {
  readonly event: UsageEvent;
  readonly resolve: (result: UsageEventResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects the host app's usage events and sends them in batches (POST /v1/usage/batch): by count
 * (`flushAt`) or by time (`flushIntervalMs`), one batch in flight at a time so that an org's events
 * reach the server in the order they were recorded. A batch that fails as a whole (timeout, network,
 * 5xx, 429) is sent again with the same idempotency keys, after the server's Retry-After or a backoff,
 * so each event is charged once however many times it is sent.
 */
export function createUsageBuffer(send: SendBatch, options: UsageBufferOptions = {}): UsageBuffer {
  const flushAt = options.flushAt ?? 500;
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const maxQueued = options.maxQueued ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 6;
  if (!Number.isInteger(flushAt) || flushAt < 1 || flushAt > MAX_BATCH_EVENTS) throw new RangeError(`flushAt must be 1–${MAX_BATCH_EVENTS}`);
  if (!(flushIntervalMs > 0)) throw new RangeError('flushIntervalMs must be positive');
  if (!Number.isInteger(maxQueued) || maxQueued < flushAt) throw new RangeError('maxQueued must be a whole number at least flushAt');

  const waiting: Pending[] = [];
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  /** The chain of batches: each starts when the one before it was answered. */
  let sending: Promise<void> = Promise.resolve();

  const sendWithRetries = async (batch: Pending[]): Promise<void> => {
    const events = batch.map((pending) => pending.event);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const results = await send(events);
        batch.forEach((pending, index) => pending.resolve(results[index]!));
        return;
      } catch (error) {
        const retryable = !(error instanceof LoupeApiError) || error.status === 429 || (error.status >= 500 && error.status !== 501);
        if (!retryable || attempt >= maxAttempts) {
          for (const pending of batch) pending.reject(error);
          return;
        }
        const retryAfterMs = error instanceof LoupeApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1_000 : undefined;
        await sleep(retryAfterMs ?? backoffDelayMs(attempt, DEFAULT_RETRY));
      }
    }
  };

  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, Math.min(MAX_BATCH_EVENTS, flushAt));
      inFlight += batch.length;
      sending = sending.then(() => sendWithRetries(batch)).finally(() => void (inFlight -= batch.length));
    }
    return sending;
  };

  return {
    record(input: BufferedEvent): Promise<UsageEventResult> {
      if (closed) return Promise.reject(new UsageBufferClosed());
      if (waiting.length + inFlight >= maxQueued) return Promise.reject(new UsageBufferFull(maxQueued));
      const event = { ...input, idempotency_key: input.idempotency_key ?? crypto.randomUUID() } as UsageEvent;
      return new Promise<UsageEventResult>((resolve, reject) => {
        waiting.push({ event, resolve, reject });
        if (waiting.length >= flushAt) void flush();
        else if (timer === undefined) {
          timer = setTimeout(() => void flush(), flushIntervalMs);
          // A buffer left open does not keep the host app's process alive; close() sends what is left.
          (timer as { unref?: () => void }).unref?.();
        }
      });
    },
    flush,
    async close(): Promise<void> {
      closed = true;
      await flush();
    },
    get size() {
      return waiting.length + inFlight;
    },
  };
}
