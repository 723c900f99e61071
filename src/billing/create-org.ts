import type { BillingAddress, SubscriptionRow } from '../db/schema.js';
import { insertOrg, findOrg, lockOrg, type OrgView } from '../db/orgs.js';
import { findUserByEmail, insertUser, insertMembership } from '../db/identity.js';
import { periodAt } from '../domain/periods.js';
import { findPlan } from '../domain/plans.js';
import { Failure, invalidFields } from '../domain/failures.js';
import { hashPassword } from '../identity/passwords.js';
import { createInvitation, type InvitationView } from '../identity/invitations.js';
import { isKnownCountry } from '../domain/tax.js';
import type { BillingDeps } from './deps.js';
import { newId } from '../domain/ids.js';
import { inOrgLedger } from '../ledger/org-transaction.js';
import { issueFirstPeriodInvoice } from './period-invoices.js';
import { startPeriod, termsOf } from '../ledger/rollover.js';

export interface CreateOrgInput {
  readonly id?: string | undefined;
  readonly name: string;
  readonly plan: string;
  readonly billingAddress: BillingAddress;
  readonly vatId?: string | undefined;
  readonly admin: { email: string; name: string; password?: string | undefined };
}

/**
 * What happened to the first admin: added with a new account (the password given, or none and an
 * e-mailed invitation to choose one) or with an existing account (its own password and name
 * unchanged: `password_set` false, and the answer says so).
 */
export interface OrgAdminOutcome {
  readonly status: 'added';
  readonly user_id: string;
  readonly email: string;
  readonly existing_account: boolean;
  readonly password_set: boolean;
  readonly invitation: InvitationView | null;
}

/**
 * A new org on a plan: its subscription starts now (period 0 anchored on this moment), the plan's
 * included credits are granted through the ledger, and the admin is added or invited.
 */
export async function createOrg(deps: BillingDeps, input: CreateOrgInput): Promise<OrgView & { admin: OrgAdminOutcome }> {
  const plan = findPlan(deps.catalog, input.plan);
  if (!plan) throw invalidFields({ plan: [`unknown plan "${input.plan}"; plans: ${deps.catalog.plans.map((p) => p.id).join(', ')}`] });
  checkBillingAddress(input.billingAddress);
  const passwordHash = input.admin.password === undefined ? null : await hashPassword(input.admin.password);
  const orgId = input.id ?? newId('org');
  const now = deps.clock.now();
  const first = periodAt(now, 0);
  const subscription: SubscriptionRow = {
    org_id: orgId,
    plan_id: plan.id,
    status: 'active',
    anchor_at: now,
    period_unit: 'month',
    period_index: 0,
    current_period_start: first.start,
    current_period_end: first.end,
    cancel_at_period_end: false,
    scheduled_plan_id: null,
    updated_at: now,
    provider_subscription_id: null,
    pending_change: null,
    canceled_at: null,
    purge_after: null,
    last_provider_event_at: null,
  };
  const admin = await deps.db.transaction().execute(async (tx) => {
    const taken = await lockOrg(tx, orgId);
    if (taken) throw new Failure('ORG_EXISTS', `An organization with id ${orgId} exists already.`);
    await insertOrg(tx, { orgId, name: input.name, billingAddress: input.billingAddress, vatId: input.vatId ?? null, subscription, now });
    const email = input.admin.email.toLowerCase();
    const existing = await findUserByEmail(tx, email);
    const userId = existing?.user_id ?? newId('usr');
    if (!existing) await insertUser(tx, { userId, email, name: input.admin.name, passwordHash, now });
    await insertMembership(tx, { orgId, userId, role: 'admin', now });
    // A new admin without a password is e-mailed an invitation to choose one.
    const invitation =
      !existing && passwordHash === null
        ? await createInvitation(tx, deps, { orgId, orgName: input.name, email, name: input.admin.name, role: 'admin', actor: { kind: 'platform' }, existingAccount: false, reserveSeat: false, now })
        : null;
    const outcome: OrgAdminOutcome = { status: 'added', user_id: userId, email, existing_account: existing !== undefined, password_set: !existing && passwordHash !== null, invitation };
    // A new org's first transaction crosses no line (its balance only rises): no follow-ups to run.
    await inOrgLedger(tx, deps.ledger.rules, now, orgId, async ({ book, org }) => {
      const terms = termsOf(deps.catalog, plan.id, null);
      await issueFirstPeriodInvoice(tx, deps, org, { period: first, terms });
      return { book: startPeriod(book, first, terms, newId('grt')), result: undefined };
    });
    return outcome;
  }).catch((error: unknown) => {
    if (isUniqueViolation(error, 'orgs_pkey')) throw new Failure('ORG_EXISTS', `An organization with id ${orgId} exists already.`);
    throw error;
  });
  const created = await findOrg(deps.db, orgId);
  if (!created) throw new Error(`org ${orgId} vanished after creation`);
  return { ...created, admin };
}

/** Tax needs a country it knows: an unknown one is a bad address, never a silent 0% (SPEC §8). */
export function checkBillingAddress(address: BillingAddress): void {
  if (!isKnownCountry(address.country)) throw invalidFields({ 'billing_address.country': [`"${address.country}" is not a country we can tax; use an ISO 3166-1 alpha-2 code`] });
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505' && 'constraint' in error && error.constraint === constraint;
}
