import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../types.js';
import { describeEntry, type Names } from './describe-entry.js';

const names: Names = { plan: (id) => ({ starter: 'Starter', team: 'Team' })[id] ?? id, person: (id) => (id === 'usr_ana' ? 'Ana' : null) };
const entry = (fields: Partial<AuditEntry> & Pick<AuditEntry, 'action'>): AuditEntry => ({
  id: 'aud_1',
  at: '2026-12-01T10:00:00.000Z',
  actor: { kind: 'user', id: 'usr_admin', name: 'Admin' },
  target: null,
  ...fields,
});

describe('an audit entry in words', () => {
  it('lists each changed setting with its label and both values, and skips the unchanged ones', () => {
    const words = describeEntry(
      entry({
        action: 'settings.updated',
        target: 'on-demand',
        before: { on_demand_enabled: false, monthly_limit_credits: 0 },
        after: { on_demand_enabled: true, monthly_limit_credits: 500 },
      }),
      names,
    );
    expect(words).toEqual({ who: 'Admin', what: 'Changed on-demand usage', changes: ['On-demand usage: off → on', 'On-demand monthly limit: no limit → 500 credits'] });
    const unchanged = describeEntry(entry({ action: 'settings.updated', target: 'notifications', before: { low_balance_threshold: 100, notification_emails: [] }, after: { low_balance_threshold: 250, notification_emails: [] } }), names);
    expect(unchanged.changes).toEqual(['Low-balance alert: below 100 credits → below 250 credits']);
  });

  it('names people in member limits, and says "the default" for a person without their own', () => {
    const words = describeEntry(
      entry({
        action: 'user_limits.updated',
        actor: { kind: 'api_key', id: 'key_1', name: 'Host app' },
        before: { default_monthly_credits: null, overrides: { usr_ana: 500, usr_gone: null } },
        after: { default_monthly_credits: 1_000, overrides: { usr_ana: 2_000 } },
      }),
      names,
    );
    expect(words.who).toBe('Host app (API key)');
    expect(words.changes).toEqual(['Default monthly limit per member: no limit → 1,000 credits', 'Limit for Ana: 500 credits → 2,000 credits', 'Limit for usr_gone: no limit → the default']);
  });

  it('says each kind of change as a sentence, with plans by name, cards as a person sees them and money in dollars', () => {
    const what = (fields: Partial<AuditEntry> & Pick<AuditEntry, 'action'>) => describeEntry(entry(fields), names).what;
    expect(what({ action: 'purchase.created', after: { credits: 1_000, total_cents: 2_140 } })).toBe('Bought 1,000 credits for $21.40');
    expect(what({ action: 'subscription.change_requested', before: { plan: 'starter' }, after: { plan: 'team', scheduled_plan: null } })).toBe('Changed the plan from Starter to Team');
    expect(what({ action: 'subscription.change_requested', before: { plan: 'team' }, after: { plan: 'team', scheduled_plan: 'starter' } })).toBe(
      'Scheduled a change to the Starter plan at the end of the billing period',
    );
    expect(what({ action: 'payment_method.removed', before: { brand: 'visa', last4: '4242' } })).toBe('Removed the card Visa •••• 4242');
    expect(what({ action: 'invoice.pay_requested', after: { number: 'LB-000012', total_cents: 4_900 } })).toBe('Asked to pay invoice LB-000012 ($49.00) now');
    expect(what({ action: 'member.role_changed', after: { name: 'Cy', role: 'admin' } })).toBe('Made Cy an admin');
    expect(what({ action: 'grant.added', after: { source: 'adjustment', credits: -300, reason: 'Double charge' } })).toBe('Took back 300 credits as an adjustment: “Double charge”');
    expect(what({ action: 'export.downloaded', target: 'org', after: { format: 'zip' } })).toBe('Downloaded all of the organization’s data as a zip file');
    expect(what({ action: 'sign_in.failed' })).toBe('Tried to sign in with a wrong password');
    expect(describeEntry(entry({ action: 'sign_in.succeeded', actor: { kind: 'system', id: null } }), names).who).toBe('Loupe Factory (automatic)');
    // An action this version has no words for still reads as words, not a code.
    expect(what({ action: 'refund.issued' })).toBe('Refund issued');
  });
});
