import { CreditsDenied, UsageNotRecorded } from './errors.js';
import type { Authorization, Feature, UsageRecorded, UsageRequest } from './types.js';

/** One AI action of one user: what `withCredits` authorizes, then records. */
export interface CreditsRequest {
  readonly org: string;
  readonly user: string;
  /** Shown in the usage history; the server keeps the last name it was given for the user. */
  readonly userName?: string;
  readonly feature: Feature;
  readonly action: string;
  /** Sizes the hold; the charge follows the tokens the work reports, not this estimate. */
  readonly estimatedTokens?: number;
  /**
   * The usage record's key. Default: a new UUID per call. Pass your own (a request id) when your
   * caller may repeat the whole request, so that a repeat is charged once.
   */
  readonly idempotencyKey?: string;
  /** Told what was charged: credits, their sources, uncollected credits, what is left. */
  readonly onUsage?: (usage: UsageRecorded) => void;
  readonly signal?: AbortSignal;
}

/** The credits reserved for the work while it runs. */
export interface Hold {
  readonly holdId: string;
  readonly heldCredits: number;
  readonly expiresAt: string;
  /** Credits a new request may use; null = unbounded (on-demand with no cap). */
  readonly available: number | null;
}

export interface Metered<T> {
  /** Tokens the model used (prompt and completion); 0 still costs the minimum charge. */
  readonly tokens: number;
  readonly result: T;
}

/** Counts the tokens of a streamed answer as its chunks arrive. */
export interface TokenMeter {
  add(tokens: number): void;
  readonly tokens: number;
}

/** A metered stream: iterate it to run the work; `cancel()` gives the hold back if you never do. */
export interface CreditStream<C> extends AsyncIterable<C> {
  cancel(): Promise<void>;
}

interface AiCalls {
  authorize(org: string, body: { user_id: string; feature: Feature; action: string; estimated_tokens?: number }, call?: { signal?: AbortSignal }): Promise<Authorization>;
  release(org: string, holdId: string): Promise<unknown>;
  recordUsage(org: string, body: UsageRequest, call?: { signal?: AbortSignal }): Promise<UsageRecorded>;
}

export function createCreditsHelpers(ai: AiCalls) {
  async function authorizeOrThrow(request: CreditsRequest): Promise<Hold> {
    const answer = await ai.authorize(
      request.org,
      { user_id: request.user, feature: request.feature, action: request.action, ...(request.estimatedTokens === undefined ? {} : { estimated_tokens: request.estimatedTokens }) },
      request.signal ? { signal: request.signal } : {},
    );
    if (!answer.allowed) throw new CreditsDenied(answer.reason, answer.available, { org: request.org, feature: request.feature, action: request.action });
    return { holdId: answer.hold_id, heldCredits: answer.held_credits, expiresAt: answer.expires_at, available: answer.available };
  }

  /** A release that fails is not worth masking the work's own error: the hold expires by its TTL. */
  async function releaseQuietly(org: string, hold: Hold): Promise<void> {
    await ai.release(org, hold.holdId).catch(() => undefined);
  }

  async function record<T>(request: CreditsRequest, hold: Hold, tokens: number, result: T): Promise<void> {
    const usage: UsageRequest = {
      idempotency_key: request.idempotencyKey ?? crypto.randomUUID(),
      hold_id: hold.holdId,
      user_id: request.user,
      ...(request.userName === undefined ? {} : { user_name: request.userName }),
      feature: request.feature,
      action: request.action,
      tokens,
    };
    let recorded: UsageRecorded;
    try {
      // recordUsage is keyed: the transport retries timeouts, network errors and 5xx with this same key.
      recorded = await ai.recordUsage(request.org, usage);
    } catch (error) {
      throw new UsageNotRecorded(request.org, usage, result, { cause: error });
    }
    request.onUsage?.(recorded);
  }

  return {
    /**
     * Authorizes the AI action (throws `CreditsDenied` with the reason when it may not run), runs
     * `work`, records the tokens it reports and returns its result. When `work` throws, the hold is
     * released and the error rethrown: nothing is charged.
     */
    async withCredits<T>(request: CreditsRequest, work: (hold: Hold) => Promise<Metered<T>>): Promise<T> {
      const hold = await authorizeOrThrow(request);
      let outcome: Metered<T>;
      try {
        outcome = await work(hold);
        assertTokens(outcome?.tokens);
      } catch (error) {
        await releaseQuietly(request.org, hold);
        throw error;
      }
      await record(request, hold, outcome.tokens, outcome.result);
      return outcome.result;
    },

    /**
     * For streamed answers. Authorizes at once (throws `CreditsDenied`), then returns the chunks of
     * `work` as they come; `work` reports tokens to the meter. The usage is recorded once, when the
     * stream ends: completed, stopped early by the reader (the tokens so far), or failed after some
     * tokens (those were used; then the error is rethrown). A stream that fails before any token
     * releases the hold.
     */
    async withCreditsStream<C>(request: CreditsRequest, work: (hold: Hold, meter: TokenMeter) => AsyncIterable<C>): Promise<CreditStream<C>> {
      const hold = await authorizeOrThrow(request);
      let tokens = 0;
      const meter: TokenMeter = {
        add(count) {
          assertTokens(count);
          tokens += count;
        },
        get tokens() {
          return tokens;
        },
      };
      let started = false;
      async function* run(): AsyncGenerator<C, void, undefined> {
        started = true;
        let failure: { error: unknown } | undefined;
        try {
          yield* work(hold, meter);
        } catch (error) {
          failure = { error };
        } finally {
          if (failure && tokens === 0) await releaseQuietly(request.org, hold);
          else await record(request, hold, tokens, undefined);
        }
        if (failure) throw failure.error;
      }
      const generator = run();
      return {
        [Symbol.asyncIterator]: () => generator,
        async cancel() {
          if (started) {
            await generator.return(undefined);
            return;
          }
          started = true;
          await releaseQuietly(request.org, hold);
        },
      };
    },
  };
}

function assertTokens(tokens: unknown): asserts tokens is number {
  if (typeof tokens !== 'number' || !Number.isSafeInteger(tokens) || tokens < 0) {
    throw new TypeError(`The work must report tokens as a whole number ≥ 0, got ${String(tokens)}`);
  }
}
