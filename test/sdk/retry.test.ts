import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY, parseRetryAfterMs, sleep } from '../../sdk/src/retry.js';

describe('backoff', () => {
  it('doubles from the base delay up to the cap, each wait between half and all of its ceiling', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** (attempt - 1)));
    expect(ceilings).toEqual([200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]);
    ceilings.forEach((ceiling, index) => {
      expect(backoffDelayMs(index + 1, DEFAULT_RETRY, () => 0)).toBe(ceiling / 2);
      expect(backoffDelayMs(index + 1, DEFAULT_RETRY, () => 0.999_999)).toBeCloseTo(ceiling, 0);
    });
  });

  it('spreads clients that fail together (jitter)', () => {
    const waits = new Set(Array.from({ length: 50 }, () => Math.round(backoffDelayMs(3, DEFAULT_RETRY))));
    expect(waits.size).toBeGreaterThan(10);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('1', now)).toBe(1_000);
    expect(parseRetryAfterMs('0', now)).toBe(0);
    expect(parseRetryAfterMs('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
  });
  it('ignores what it cannot read, and never waits a negative time', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });
});

describe('sleep', () => {
  it('stops waiting when the signal aborts, with its reason', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });
});
