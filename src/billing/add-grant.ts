import { addGrant as addGrantToBook, availableCredits, debitAdjustment, displayAvailable, prepaidCredits, type CreditBucket, type EntryReason } from '../domain/ledger.js';
import { Failure, invalidFields } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { newId } from '../domain/ids.js';
import { withOrgLedger } from './org-ledger.js';
import { recordAudit } from '../audit/record-audit.js';

export const GRANT_SOURCES = ['promotional', 'adjustment'] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

export interface AddGrantInput {
  readonly orgId: string;
  readonly source: GrantSource;
  readonly credits: number;
  readonly expiresAt?: Date | undefined;
  readonly reason: string;
}

export interface GrantResult {
  readonly id: string;
  readonly org_id: string;
  readonly source: GrantSource;
  readonly credits: number;
  readonly expires_at: string | null;
  readonly reason: string;
  readonly created_at: string;
  readonly available: number | null;
}

/**
 * A platform admin's promotional grant or adjustment. Positive credits become a grant in the
 * promotional bucket (with an optional expiry); a negative adjustment takes credits in draw-down
 * order and is refused when there are not that many, so no bucket goes below zero.
 */
export async function addGrant(deps: BillingDeps, input: AddGrantInput): Promise<GrantResult> {
  if (input.source === 'promotional' && input.credits <= 0) throw invalidFields({ credits: ['a promotional grant adds at least 1 credit'] });
  if (input.credits === 0) throw invalidFields({ credits: ['an adjustment of 0 credits changes nothing'] });
  if (input.credits < 0 && input.expiresAt) throw invalidFields({ expires_at: ['a negative adjustment has no expiry'] });
  return withOrgLedger(deps, input.orgId, async ({ tx, book }) => {
    if (input.expiresAt && input.expiresAt.getTime() <= book.now.getTime()) throw invalidFields({ expires_at: ['must be in the future'] });
    const id = newId(input.credits > 0 ? 'grt' : 'adj');
    let next;
    if (input.credits > 0) {
      const bucket: CreditBucket = 'promotional';
      const reason: EntryReason = input.source === 'promotional' ? 'promotional_grant' : 'adjustment';
      next = addGrantToBook(book, { id, bucket, credits: input.credits, expiresAt: input.expiresAt ?? null, reason, note: input.reason });
    } else {
      const prepaid = prepaidCredits(book);
      if (-input.credits > prepaid) {
        throw new Failure('INSUFFICIENT_CREDITS', `The org has ${prepaid} credits; an adjustment of ${input.credits} would take a bucket below zero.`);
      }
      next = debitAdjustment(book, -input.credits, input.reason);
    }
    const grant = { source: input.source, credits: input.credits, expires_at: input.expiresAt?.toISOString() ?? null, reason: input.reason };
    await recordAudit(tx, { orgId: input.orgId, action: 'grant.added', target: id, after: grant, now: book.now });
    return {
      book: next,
      result: {
        id,
        org_id: input.orgId,
        source: input.source,
        credits: input.credits,
        expires_at: input.expiresAt?.toISOString() ?? null,
        reason: input.reason,
        created_at: book.now.toISOString(),
        available: displayAvailable(availableCredits(next)),
      },
    };
  });
}
