import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * The audit's checks, each a query that returns the rows breaking one rule. The ledger entries are
 * the truth; every cached total and every grant balance must equal the sum of its entries.
 */
export interface Violation {
  readonly org_id: string;
  readonly rule: string;
  readonly detail: string;
}

const CHECKS: Record<string, (orgId: string | null, now: Date) => ReturnType<typeof sql<{ org_id: string; detail: string }>>> = {
  'cached totals equal the sum of ledger entries': (orgId) => sql`
    WITH sums AS (
      SELECT b.org_id,
        coalesce(sum(e.credits) FILTER (WHERE e.account = 'plan'), 0)::bigint AS plan,
        coalesce(sum(e.credits) FILTER (WHERE e.account = 'purchased'), 0)::bigint AS purchased,
        coalesce(sum(e.credits) FILTER (WHERE e.account = 'promotional'), 0)::bigint AS promotional,
        coalesce(sum(e.credits) FILTER (WHERE e.account = 'held'), 0)::bigint AS held,
        coalesce(sum(e.credits) FILTER (WHERE e.account = 'overage' AND e.period_start = b.overage_period_start), 0)::bigint AS overage
      FROM org_balances b LEFT JOIN ledger_entries e ON e.org_id = b.org_id
      WHERE ${orgId}::text IS NULL OR b.org_id = ${orgId}
      GROUP BY b.org_id)
    SELECT b.org_id, format('cache plan=%s purchased=%s promotional=%s held=%s overage=%s; entries %s/%s/%s/%s/%s',
      b.plan_credits, b.purchased_credits, b.promotional_credits, b.held_credits, b.overage_used_credits,
      s.plan, s.purchased, s.promotional, s.held, s.overage) AS detail
    FROM org_balances b JOIN sums s USING (org_id)
    WHERE (b.plan_credits, b.purchased_credits, b.promotional_credits, b.held_credits, b.overage_used_credits)
      <> (s.plan, s.purchased, s.promotional, s.held, s.overage)`,

  'each grant balance equals the sum of its entries': (orgId) => sql`
    SELECT g.org_id, format('grant %s remaining %s, entries sum %s', g.grant_id, g.remaining_credits, coalesce(sum(e.credits), 0)) AS detail
    FROM grants g LEFT JOIN ledger_entries e ON e.org_id = g.org_id AND e.grant_id = g.grant_id AND e.account <> 'frozen'
    WHERE ${orgId}::text IS NULL OR g.org_id = ${orgId}
    GROUP BY g.org_id, g.grant_id, g.remaining_credits
    HAVING g.remaining_credits <> coalesce(sum(e.credits), 0)`,

  'no grant below zero or above what it granted': (orgId) => sql`
    SELECT org_id, format('grant %s remaining %s of %s', grant_id, remaining_credits, granted_credits) AS detail
    FROM grants WHERE (${orgId}::text IS NULL OR org_id = ${orgId})
      AND (remaining_credits < 0 OR remaining_credits > granted_credits)`,

  'cached buckets equal the grants': (orgId) => sql`
    SELECT b.org_id, format('cache %s/%s/%s, grants %s/%s/%s', b.plan_credits, b.purchased_credits, b.promotional_credits,
      coalesce(sum(g.remaining_credits) FILTER (WHERE g.bucket = 'plan'), 0),
      coalesce(sum(g.remaining_credits) FILTER (WHERE g.bucket = 'purchased'), 0),
      coalesce(sum(g.remaining_credits) FILTER (WHERE g.bucket = 'promotional'), 0)) AS detail
    FROM org_balances b LEFT JOIN grants g ON g.org_id = b.org_id
    WHERE ${orgId}::text IS NULL OR b.org_id = ${orgId}
    GROUP BY b.org_id, b.plan_credits, b.purchased_credits, b.promotional_credits
    HAVING (b.plan_credits, b.purchased_credits, b.promotional_credits) <> (
      coalesce(sum(g.remaining_credits) FILTER (WHERE g.bucket = 'plan'), 0),
      coalesce(sum(g.remaining_credits) FILTER (WHERE g.bucket = 'purchased'), 0),
      coalesce(sum(g.remaining_credits) FILTER (WHERE g.bucket = 'promotional'), 0))`,

  'held credits equal the active holds': (orgId) => sql`
    SELECT b.org_id, format('cache held %s, active holds %s', b.held_credits, coalesce(sum(h.credits), 0)) AS detail
    FROM org_balances b LEFT JOIN holds h ON h.org_id = b.org_id AND h.status = 'active'
    WHERE ${orgId}::text IS NULL OR b.org_id = ${orgId}
    GROUP BY b.org_id, b.held_credits
    HAVING b.held_credits <> coalesce(sum(h.credits), 0)`,

  'each hold is reserved while active and given back once closed': (orgId) => sql`
    SELECT h.org_id, format('hold %s (%s, %s credits) has entries summing %s', h.hold_id, h.status, h.credits, coalesce(sum(e.credits), 0)) AS detail
    FROM holds h LEFT JOIN ledger_entries e ON e.org_id = h.org_id AND e.hold_id = h.hold_id
    WHERE ${orgId}::text IS NULL OR h.org_id = ${orgId}
    GROUP BY h.org_id, h.hold_id, h.status, h.credits
    HAVING coalesce(sum(e.credits), 0) <> CASE WHEN h.status = 'active' THEN h.credits ELSE 0 END`,

  'overage never exceeds the limit in force': (orgId) => sql`
    SELECT org_id, format('overage reached %s against a limit of %s in the period from %s', running, limit_credits, period_start) AS detail
    FROM (
      SELECT org_id, period_start, limit_credits,
        sum(credits) OVER (PARTITION BY org_id, period_start ORDER BY entry_id) AS running
      FROM ledger_entries WHERE account = 'overage' AND (${orgId}::text IS NULL OR org_id = ${orgId})) o
    WHERE limit_credits > 0 AND running > limit_credits`,

  'each usage row is charged by its ledger entries': (orgId) => sql`
    SELECT u.org_id, format('usage %s: %s tokens, credits %s, charged %s, uncollected %s, entries %s', u.usage_id, u.tokens,
      u.credits, u.charged_credits, u.uncollected_credits, coalesce(sum(abs(e.credits)), 0)) AS detail
    FROM usage_records u
    LEFT JOIN ledger_entries e ON e.org_id = u.org_id AND e.usage_id = u.usage_id AND e.kind IN ('usage', 'overage')
    WHERE ${orgId}::text IS NULL OR u.org_id = ${orgId}
    GROUP BY u.org_id, u.usage_id, u.tokens, u.credits, u.charged_credits, u.uncollected_credits
    HAVING u.charged_credits <> coalesce(sum(abs(e.credits)), 0)
      OR u.credits <> greatest(1, ceil(u.tokens / 1000.0))
      OR u.charged_credits + u.uncollected_credits <> u.credits`,

  'usage debits never add credits and overage never gives any back': (orgId) => sql`
    SELECT org_id, format('entry %s (%s on %s) moves %s credits the wrong way', entry_id, kind, account, credits) AS detail
    FROM ledger_entries
    WHERE (${orgId}::text IS NULL OR org_id = ${orgId})
      AND ((kind IN ('usage', 'expiry', 'refund', 'dispute_lost') AND credits > 0) OR (kind IN ('overage', 'hold', 'grant') AND credits < 0)
        OR (kind = 'hold_release' AND credits > 0))`,

  'each succeeded purchase has exactly one purchased grant and one invoice of its amount': (orgId) => sql`
    SELECT p.org_id, format('purchase %s (%s credits, %s cents): grant %s, invoice %s', p.purchase_id, p.credits, p.total_cents,
      coalesce(g.granted_credits::text, 'missing'), coalesce(i.total_cents::text, 'missing')) AS detail
    FROM credit_purchases p
    LEFT JOIN grants g ON g.org_id = p.org_id AND g.grant_id = p.grant_id AND g.bucket = 'purchased'
    LEFT JOIN invoices i ON i.org_id = p.org_id AND i.invoice_id = p.invoice_id AND i.kind = 'credit_purchase'
    WHERE (${orgId}::text IS NULL OR p.org_id = ${orgId}) AND p.status = 'succeeded'
      AND (g.granted_credits IS DISTINCT FROM p.credits OR i.total_cents IS DISTINCT FROM p.total_cents
        OR (SELECT count(*) FROM credit_purchases o WHERE o.org_id = p.org_id AND (o.grant_id = p.grant_id OR o.invoice_id = p.invoice_id)) <> 1)`,

  'a purchase that did not succeed granted nothing': (orgId) => sql`
    SELECT org_id, format('purchase %s is %s but has grant %s / invoice %s', purchase_id, status, grant_id, invoice_id) AS detail
    FROM credit_purchases
    WHERE (${orgId}::text IS NULL OR org_id = ${orgId}) AND status <> 'succeeded' AND (grant_id IS NOT NULL OR invoice_id IS NOT NULL)`,

  'purchased credits come only from succeeded purchases': (orgId) => sql`
    SELECT g.org_id, format('purchased grant %s of %s credits has no succeeded purchase', g.grant_id, g.granted_credits) AS detail
    FROM grants g
    WHERE (${orgId}::text IS NULL OR g.org_id = ${orgId}) AND g.bucket = 'purchased' AND g.reason = 'purchase'
      AND NOT EXISTS (SELECT 1 FROM credit_purchases p WHERE p.org_id = g.org_id AND p.grant_id = g.grant_id AND p.status = 'succeeded')`,

  'overage billed equals overage used in every closed period': (orgId) => sql`
    WITH used AS (
      SELECT e.org_id, e.period_start, sum(e.credits) AS credits
      FROM ledger_entries e JOIN subscriptions s ON s.org_id = e.org_id
      WHERE e.account = 'overage' AND (${orgId}::text IS NULL OR e.org_id = ${orgId})
        AND (e.period_start < s.current_period_start OR s.status = 'canceled')
      GROUP BY e.org_id, e.period_start),
    billed AS (
      -- A purged org's ledger is gone while its invoices stay archived: nothing to compare.
      SELECT l.org_id, l.period_start, sum(l.quantity) AS credits
      FROM invoice_lines l JOIN orgs o ON o.org_id = l.org_id
      WHERE l.kind = 'overage' AND o.purged_at IS NULL AND (${orgId}::text IS NULL OR l.org_id = ${orgId})
      GROUP BY l.org_id, l.period_start)
    SELECT coalesce(u.org_id, b.org_id) AS org_id,
      format('period from %s: overage used %s, billed %s', coalesce(u.period_start, b.period_start), coalesce(u.credits, 0), coalesce(b.credits, 0)) AS detail
    FROM used u FULL JOIN billed b ON b.org_id = u.org_id AND b.period_start = u.period_start
    WHERE coalesce(u.credits, 0) <> coalesce(b.credits, 0)`,

  'invoice total equals its lines plus tax': (orgId) => sql`
    SELECT i.org_id, format('invoice %s: subtotal %s, lines %s, tax %s, tax lines %s, total %s', i.number, i.subtotal_cents,
      coalesce((SELECT sum(amount_cents) FROM invoice_lines l WHERE l.org_id = i.org_id AND l.invoice_id = i.invoice_id), 0),
      i.tax_cents, coalesce((SELECT sum((t->>'amount_cents')::bigint) FROM jsonb_array_elements(i.tax) t), 0), i.total_cents) AS detail
    FROM invoices i
    WHERE (${orgId}::text IS NULL OR i.org_id = ${orgId})
      AND (i.subtotal_cents <> coalesce((SELECT sum(amount_cents) FROM invoice_lines l WHERE l.org_id = i.org_id AND l.invoice_id = i.invoice_id), 0)
        OR i.tax_cents <> coalesce((SELECT sum((t->>'amount_cents')::bigint) FROM jsonb_array_elements(i.tax) t), 0)
        OR i.total_cents <> i.subtotal_cents + i.tax_cents)`,

  'every paid invoice has exactly one succeeded payment of its total, an open one none': (orgId) => sql`
    SELECT i.org_id, format('invoice %s is %s (total %s) with %s succeeded payment(s) of %s', i.number, i.status, i.total_cents, count(y.payment_id), coalesce(sum(y.amount_cents), 0)) AS detail
    FROM invoices i
    LEFT JOIN payments y ON y.org_id = i.org_id AND y.invoice_id = i.invoice_id AND y.status = 'succeeded'
    WHERE (${orgId}::text IS NULL OR i.org_id = ${orgId})
    GROUP BY i.org_id, i.invoice_id, i.number, i.status, i.total_cents
    HAVING (i.status = 'paid' AND i.total_cents > 0 AND (count(y.payment_id) <> 1 OR sum(y.amount_cents) <> i.total_cents))
        OR (i.status = 'open' AND count(y.payment_id) > 0)`,

  'no purchase is left pending for more than an hour (reconciliation settles them)': (orgId, now) => sql`
    SELECT org_id, format('purchase %s of %s credits pending since %s', purchase_id, credits, created_at) AS detail
    FROM credit_purchases
    WHERE (${orgId}::text IS NULL OR org_id = ${orgId}) AND status = 'pending' AND created_at < ${now}::timestamptz - interval '1 hour'`,

  "each grant's refund entries equal its refunds, and no purchase is refunded beyond its credits or its price": (orgId) => sql`
    WITH entries AS (
      SELECT org_id, grant_id, -sum(credits)::bigint AS credits FROM ledger_entries
      WHERE kind IN ('refund', 'dispute_lost') AND (${orgId}::text IS NULL OR org_id = ${orgId}) GROUP BY org_id, grant_id),
    refunded AS (
      SELECT org_id, purchase_id, grant_id, sum(credits)::bigint AS credits, sum(amount_cents)::bigint AS amount_cents,
        sum(tax_cents)::bigint AS tax_cents, sum(total_cents)::bigint AS total_cents
      FROM refunds WHERE ${orgId}::text IS NULL OR org_id = ${orgId} GROUP BY org_id, purchase_id, grant_id)
    SELECT coalesce(r.org_id, e.org_id) AS org_id,
      format('grant %s: refund entries %s credits, refunds %s credits (purchase %s of %s credits, %s of %s cents)', coalesce(r.grant_id, e.grant_id),
        coalesce(e.credits, 0), coalesce(r.credits, 0), r.purchase_id, p.credits, r.total_cents, p.total_cents) AS detail
    FROM refunded r
    FULL JOIN entries e ON e.org_id = r.org_id AND e.grant_id = r.grant_id
    LEFT JOIN credit_purchases p ON p.org_id = r.org_id AND p.purchase_id = r.purchase_id
    -- A purged org's purchases and ledger are gone while its credit notes stay archived: nothing to compare.
    JOIN orgs o ON o.org_id = coalesce(r.org_id, e.org_id) AND o.purged_at IS NULL
    WHERE coalesce(e.credits, 0) <> coalesce(r.credits, 0) OR p.purchase_id IS NULL OR p.grant_id IS DISTINCT FROM r.grant_id
      OR r.credits > p.credits OR r.amount_cents > p.amount_cents OR r.tax_cents > p.tax_cents OR r.total_cents > p.total_cents`,

  'a refund the provider confirmed has a credit note, a pending one is at most an hour old': (orgId, now) => sql`
    SELECT org_id, format('refund %s is %s since %s (credit note %s)', refund_id, status, created_at, coalesce(credit_note_number::text, 'none')) AS detail
    FROM refunds
    WHERE (${orgId}::text IS NULL OR org_id = ${orgId})
      AND ((status = 'succeeded') <> (credit_note_number IS NOT NULL) OR (status = 'pending' AND created_at < ${now}::timestamptz - interval '1 hour'))`,

  'frozen credits equal the open disputes, grant by grant': (orgId) => sql`
    WITH entries AS (
      SELECT org_id, grant_id, sum(credits)::bigint AS credits FROM ledger_entries
      WHERE account = 'frozen' AND (${orgId}::text IS NULL OR org_id = ${orgId}) GROUP BY org_id, grant_id),
    open AS (
      SELECT org_id, grant_id, sum(frozen_credits)::bigint AS credits FROM disputes
      WHERE status = 'open' AND (${orgId}::text IS NULL OR org_id = ${orgId}) GROUP BY org_id, grant_id)
    SELECT coalesce(o.org_id, e.org_id) AS org_id,
      format('grant %s: frozen entries %s credits, open disputes %s', coalesce(o.grant_id, e.grant_id), coalesce(e.credits, 0), coalesce(o.credits, 0)) AS detail
    FROM open o FULL JOIN entries e ON e.org_id = o.org_id AND e.grant_id = o.grant_id
    -- A purged org's ledger is gone while its disputes stay with the financial archive.
    JOIN orgs g ON g.org_id = coalesce(o.org_id, e.org_id) AND g.purged_at IS NULL
    WHERE coalesce(e.credits, 0) <> coalesce(o.credits, 0)`,

  'a lost dispute took back its frozen credits with a credit note, a won one gave them back': (orgId) => sql`
    SELECT d.org_id, format('dispute %s is %s with %s frozen credits; refund %s (%s, %s credits); given back %s', d.dispute_id, d.status, d.frozen_credits,
      coalesce(r.refund_id, 'none'), coalesce(r.kind, '-'), coalesce(r.credits::text, '-'), coalesce(w.credits, 0)) AS detail
    FROM disputes d
    JOIN orgs o ON o.org_id = d.org_id AND o.purged_at IS NULL
    LEFT JOIN refunds r ON r.org_id = d.org_id AND r.refund_id = d.refund_id
    LEFT JOIN LATERAL (SELECT sum(e.credits)::bigint AS credits FROM ledger_entries e
      WHERE e.org_id = d.org_id AND e.grant_id = d.grant_id AND e.reason = 'dispute_won' AND e.account <> 'frozen') w ON true
    WHERE (${orgId}::text IS NULL OR d.org_id = ${orgId})
      AND ((d.status = 'lost' AND (r.refund_id IS NULL OR r.kind <> 'dispute_lost' OR r.credits <> d.frozen_credits OR r.status <> 'succeeded'))
        OR (d.status <> 'lost' AND d.refund_id IS NOT NULL)
        OR (d.status = 'won' AND coalesce(w.credits, 0) < d.frozen_credits))`,

  'credit note numbers run from 1 without gaps': (orgId) => sql`
    SELECT '*' AS org_id, format('%s credit notes numbered %s to %s', count(*), min(credit_note_number), max(credit_note_number)) AS detail
    FROM refunds WHERE ${orgId}::text IS NULL AND credit_note_number IS NOT NULL
    HAVING count(*) > 0 AND (min(credit_note_number) <> 1 OR max(credit_note_number) <> count(*))`,

  'invoice numbers run from 1 without gaps': (orgId) => sql`
    SELECT '*' AS org_id, format('%s invoices numbered %s to %s', count(*), min(number), max(number)) AS detail
    FROM invoices WHERE ${orgId}::text IS NULL
    HAVING count(*) > 0 AND (min(number) <> 1 OR max(number) <> count(*))`,
};

/** Every broken rule, for one org or (orgId null) for all of them. */
export async function findViolations(db: Db, orgId: string | null, now: Date): Promise<Violation[]> {
  const results = await Promise.all(
    Object.entries(CHECKS).map(async ([rule, query]) => {
      const { rows } = await query(orgId, now).execute(db);
      return rows.map((row) => ({ org_id: row.org_id, rule, detail: row.detail }));
    }),
  );
  return results.flat();
}
