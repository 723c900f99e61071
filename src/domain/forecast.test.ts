import { describe, expect, it } from 'vitest';
import { InvariantViolation } from './assert.js';
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
  // 17 days 22 hours after NOW; then periods of 30 days that bring `included` plan credits each.
  const periodEnd = new Date('2026-02-28T10:00:00.000Z');
  const THIRTY_DAYS = 30 * 86_400_000;
  const every30Days = (included: number) => (index: number) => ({ end: new Date(periodEnd.getTime() + (index + 1) * THIRTY_DAYS), includedCredits: included });
  const ends = () => null;
  const at = (iso: string) => new Date(iso);

  it('plan credits never outlast their period: 1,000 left at 10 a day expire on the period end, and renew', () => {
    // At 10 a day the 1,000 would last 100 days (20 May): they expire on 28 Feb instead.
    const result = forecast({ remainingPlanCredits: 1_000, remainingPrepaidCredits: 1_000, windowCredits: days(70), periodEnd, comingPeriods: every30Days(1_000), now: NOW });
    expect(result).toEqual({
      dailyBurnCredits: 10,
      planCreditsLastUntil: periodEnd,
      planCreditsOutlastPeriod: true,
      // Each period uses 300 of its 1,000 plan credits: the org never runs out at this rate.
      prepaidCreditsLastUntil: null,
      runsOutBeforePeriodEnd: false,
    });
  });

  it('plan credits run out first, then the prepaid ones, before the period renews', () => {
    const result = forecast({ remainingPlanCredits: 100, remainingPrepaidCredits: 150, windowCredits: days(70), periodEnd, comingPeriods: every30Days(1_000), now: NOW });
    expect(result).toEqual({
      dailyBurnCredits: 10,
      planCreditsLastUntil: at('2026-02-20T12:00:00.000Z'),
      planCreditsOutlastPeriod: false,
      prepaidCreditsLastUntil: at('2026-02-25T12:00:00.000Z'),
      runsOutBeforePeriodEnd: true,
    });
  });

  it('purchased credits that reach the next period are spent only past its plan credits', () => {
    // 900 purchased: 79 1/6 of them go before 28 Feb; from then each period's 1,000 plan credits cover 300.
    const result = forecast({ remainingPlanCredits: 100, remainingPrepaidCredits: 1_000, windowCredits: days(70), periodEnd, comingPeriods: every30Days(1_000), now: NOW });
    expect(result.prepaidCreditsLastUntil).toBeNull();
    expect(result.runsOutBeforePeriodEnd).toBe(false);
  });

  it('a burn above the plan drains purchased credits period by period (worked by hand)', () => {
    // 100 a day. Now → 28 Feb 10:00 (430 h): 1,791 2/3 needed, 200 plan → 3,408 1/3 purchased left.
    // To 30 Mar 10:00: 3,000 needed, 1,000 plan → 1,408 1/3 left. Then 1,000 + 1,408 1/3 last 24 days 2 hours.
    const result = forecast({ remainingPlanCredits: 200, remainingPrepaidCredits: 5_200, windowCredits: days(700), periodEnd, comingPeriods: every30Days(1_000), now: NOW });
    expect(result.planCreditsLastUntil).toEqual(at('2026-02-12T12:00:00.000Z'));
    expect(result.prepaidCreditsLastUntil).toEqual(at('2026-04-23T12:00:00.000Z'));
    expect(result.runsOutBeforePeriodEnd).toBe(false);
  });

  it('a subscription that ends brings no more plan credits: purchased credits burn at the full rate after it', () => {
    const result = forecast({ remainingPlanCredits: 100, remainingPrepaidCredits: 1_000, windowCredits: days(70), periodEnd, comingPeriods: ends, now: NOW });
    // 1,000 credits at 10 a day: 100 days.
    expect(result.prepaidCreditsLastUntil).toEqual(at('2026-05-21T12:00:00.000Z'));
  });

  it('running out exactly at the period end is not before it', () => {
    // 17 days and 22 hours from NOW at 24 a day: 430 credits.
    const result = forecast({ remainingPlanCredits: 430, remainingPrepaidCredits: 430, windowCredits: days(168), periodEnd, comingPeriods: every30Days(0), now: NOW });
    expect(result.prepaidCreditsLastUntil).toEqual(periodEnd);
    expect(result.planCreditsLastUntil).toEqual(periodEnd);
    expect(result.runsOutBeforePeriodEnd).toBe(false);
    const oneLess = forecast({ remainingPlanCredits: 429, remainingPrepaidCredits: 429, windowCredits: days(168), periodEnd, comingPeriods: every30Days(0), now: NOW });
    expect(oneLess.runsOutBeforePeriodEnd).toBe(true);
    expect(oneLess.planCreditsOutlastPeriod).toBe(false);
  });

  it('no usage in the window: no dates, nothing runs out', () => {
    expect(forecast({ remainingPlanCredits: 0, remainingPrepaidCredits: 0, windowCredits: days(), periodEnd, comingPeriods: every30Days(1_000), now: NOW })).toEqual({
      dailyBurnCredits: 0,
      planCreditsLastUntil: null,
      planCreditsOutlastPeriod: true,
      prepaidCreditsLastUntil: null,
      runsOutBeforePeriodEnd: false,
    });
  });
});
