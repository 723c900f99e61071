import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type EventType } from '../db/events.js';
import { describeEvent } from './messages.js';

/** What each event carries when it is published (ids and codes as the code writes them). */
const SAMPLES: Record<EventType, Record<string, unknown>> = {
  'balance.low': { remaining_credits: 150, threshold: 200 },
  'credits.exhausted': {},
  'overage.limit_warning': { percent: 80, used_credits: 800, limit_credits: 1_000 },
  'overage.limit_reached': { limit_credits: 1_000 },
  'purchase.succeeded': { credits: 500 },
  'purchase.refunded': { purchase_id: 'cp_1', refund_id: 'rf_1', credits: 400, total_cents: 864, credit_note_number: 'CN-000001' },
  'purchase.disputed': { purchase_id: 'cp_1', dispute_id: 'dsp_1', status: 'lost', frozen_credits: 600, amount_cents: 1_190, currency: 'USD', reason: 'fraudulent', total_cents: 1_190, credit_note_number: 'CN-000002' },
  'payment.failed': { amount_cents: 4_900, failure_code: 'card_declined', number: 'LB-000001' },
  'subscription.changed': { plan: 'team', plan_name: 'Team', scheduled_plan: 'starter', scheduled_plan_name: 'Starter', cancel_at_period_end: false, current_period_end: '2026-12-22T00:00:00.000Z' },
  'subscription.canceled': { ended_at: '2026-12-22T00:00:00.000Z' },
  'auto_recharge.paused': { failure_code: 'insufficient_funds' },
  'webhook_endpoint.disabled': { url: 'https://hooks.example.com/loupe' },
  'member.invited': { email: 'ana@example.com', role: 'member' },
  'user_limit.warning': { user_id: 'u-ana', user_name: 'Ana Ruiz', credits_this_period: 400, monthly_limit_credits: 500, percent: 80 },
  'user_limit.reached': { user_id: 'u-ana', user_name: 'Ana Ruiz', credits_this_period: 512, monthly_limit_credits: 500, percent: 100 },
} as Record<EventType, Record<string, unknown>>;

describe('what an event says to a person (issue 15, defect 12)', () => {
  it.each(EVENT_TYPES.filter((type) => type in SAMPLES))('%s is sentences, without codes, ids or field names', (type) => {
    const { title, body } = describeEvent(type, SAMPLES[type]!, 'Acme');
    for (const text of [title, body]) {
      expect(text).not.toMatch(/[a-z]+_[a-z_]+/);
      expect(text).not.toMatch(/\((?:[a-z_]+)\)/);
    }
    expect(body).toMatch(/\.$/);
  });

  it('names plans by their name and says when a change happens', () => {
    expect(describeEvent('subscription.changed', SAMPLES['subscription.changed'], 'Acme').body).toBe('Acme moves to the Starter plan on Dec 22, 2026.');
    expect(describeEvent('subscription.changed', { plan: 'team', scheduled_plan: null, cancel_at_period_end: true, current_period_end: '2026-12-22T00:00:00.000Z' }, 'Acme').body).toBe(
      'Acme’s subscription will end on Dec 22, 2026. Until then everything works as before.'.replace('’', "'"),
    );
  });

  it('credits that end with the subscription do not ask to buy credits', () => {
    const ended = describeEvent('credits.exhausted', { remaining_credits: 0, on_demand_enabled: false, subscription_ended: true }, 'Acme');
    expect(ended.body).not.toMatch(/buy credits/i);
    expect(ended.body).toContain('Choose a plan in Billing');
  });

  it('says why a payment failed in words', () => {
    expect(describeEvent('payment.failed', SAMPLES['payment.failed'], 'Acme').body).toContain('failed: the card was declined.');
  });
});
