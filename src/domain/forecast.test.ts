import { describe, expect, it } from 'vitest';
import { InvariantViolation } from './credits.js';
import { dailyBurnCredits, FORECAST_WINDOW_DAYS, forecast, lastsUntil } from './forecast.js';

const NOW = new Date('2026-02-10T12:00:00.000Z');
const days = (...credits: number[]) => [...credits, ...Array.from({ length: FORECAST_WINDOW_DAYS - credits.length }, () => 0)];

describe('daily burn', () => {
  it.each([
    ['nothing used burns 0 a day', days(), 0],
    ['70 credits in 7 days burn 10 a day', days(10, 10, 10, 10, 10, 10, 10), 10],
    ['70 credits on one day burn 10 a day too', days(70), 10],
    ['1 credit in 7 days rounds up to 1 a day', days(1), 1],
    ['71 credits round up to 11 a day', days(71), 11],
    ['7,000,000 credits burn 1,000,000 a day', days(7_000_000), 1_000_000],
  ])('%s', (_name, window, burn) => {
    expect(dailyBurnCredits(window)).toBe(burn);
  });

  it.each([
    ['six days', [1, 1, 1, 1, 1, 1]],
    ['eight days', [1, 1, 1, 1, 1, 1, 1, 1]],
    ['a negative day', days(-1)],
    ['a fraction', days(1.5)],
  ])('a window of %s is a bug', (_name, window) => {
    expect(() => dailyBurnCredits(window)).toThrow(InvariantViolation);
  });
});

describe('lasts until', () => {
  it('no burn means no end', () => {
    expect(lastsUntil({ remainingCredits: 500, burnCredits: 0, now: NOW })).toBeNull();
  });

  it('100 credits at 10 a day last 10 days', () => {
    expect(lastsUntil({ remainingCredits: 100, burnCredits: 10, now: NOW })).toEqual(new Date('2026-02-20T12:00:00.000Z'));
  });

  it('15 credits at 10 a day last a day and a half', () => {
    expect(lastsUntil({ remainingCredits: 15, burnCredits: 10, now: NOW })).toEqual(new Date('2026-02-12T00:00:00.000Z'));
  });

  it('1 credit at 3 a day lasts 8 hours (whole milliseconds, rounded down)', () => {
    expect(lastsUntil({ remainingCredits: 1, burnCredits: 3, now: NOW })).toEqual(new Date('2026-02-10T20:00:00.000Z'));
    expect(lastsUntil({ remainingCredits: 1, burnCredits: 7, now: NOW })!.getTime()).toBe(NOW.getTime() + Math.floor(86_400_000 / 7));
  });

  it.each([0, -5])('%i credits left are gone now', (remaining) => {
    expect(lastsUntil({ remainingCredits: remaining, burnCredits: 10, now: NOW })).toEqual(NOW);
  });

  it('a negative burn rate is a bug', () => {
    expect(() => lastsUntil({ remainingCredits: 10, burnCredits: -1, now: NOW })).toThrow(InvariantViolation);
  });
});

describe('forecast', () => {
  const periodEnd = new Date('2026-02-28T10:00:00.000Z');

  it('plan credits run out first, then the prepaid ones, before the period renews', () => {
    const result = forecast({ remainingPlanCredits: 100, remainingPrepaidCredits: 150, windowCredits: days(70), periodEnd, now: NOW });
    expect(result).toEqual({
      dailyBurnCredits: 10,
      planCreditsLastUntil: new Date('2026-02-20T12:00:00.000Z'),
      prepaidCreditsLastUntil: new Date('2026-02-25T12:00:00.000Z'),
      runsOutBeforePeriodEnd: true,
    });
  });

  it('prepaid credits that outlast the period do not run out', () => {
    const result = forecast({ remainingPlanCredits: 100, remainingPrepaidCredits: 1_000, windowCredits: days(70), periodEnd, now: NOW });
    expect(result.prepaidCreditsLastUntil).toEqual(new Date('2026-05-21T12:00:00.000Z'));
    expect(result.runsOutBeforePeriodEnd).toBe(false);
  });

  it('running out exactly at the period end is not before it', () => {
    // 17 days and 22 hours from NOW at 24 a day: 430 credits.
    const result = forecast({ remainingPlanCredits: 430, remainingPrepaidCredits: 430, windowCredits: days(168), periodEnd, now: NOW });
    expect(result.prepaidCreditsLastUntil).toEqual(periodEnd);
    expect(result.runsOutBeforePeriodEnd).toBe(false);
    const oneLess = forecast({ remainingPlanCredits: 429, remainingPrepaidCredits: 429, windowCredits: days(168), periodEnd, now: NOW });
    expect(oneLess.runsOutBeforePeriodEnd).toBe(true);
  });

  it('no usage in the window: no dates, nothing runs out', () => {
    expect(forecast({ remainingPlanCredits: 0, remainingPrepaidCredits: 0, windowCredits: days(), periodEnd, now: NOW })).toEqual({
      dailyBurnCredits: 0,
      planCreditsLastUntil: null,
      prepaidCreditsLastUntil: null,
      runsOutBeforePeriodEnd: false,
    });
  });
});
