import { ApiError } from '../../api.js';
import { formatCredits } from '../../format.js';
import type { UserLimits } from '../../types.js';

/** The largest monthly limit of one member the API takes (routes/user-limits.ts). */
export const MAX_MEMBER_LIMIT_CREDITS = 100_000_000;
/** The most members with a limit of their own (billing/user-limits.ts). */
const MAX_OVERRIDES = 10_000;
/** The longest user ID the API takes (http/schemas.ts `Identifier`). */
const MAX_USER_ID_LENGTH = 200;

/** The default limit: none, or a number of credits as typed. */
export interface DefaultDraft {
  readonly choice: 'none' | 'credits';
  readonly text: string;
}

/** A member's limit: the default, none, or a number of credits of their own as typed. */
export const MEMBER_LIMIT_CHOICES = ['default', 'none', 'credits'] as const;
export type MemberLimitChoice = (typeof MEMBER_LIMIT_CHOICES)[number];
export interface MemberDraft {
  readonly choice: MemberLimitChoice;
  readonly text: string;
}

/** The whole form: what a save sends (a PUT replaces the default and every override). */
export interface LimitsDraft {
  readonly defaultLimit: DefaultDraft;
  /** By user ID; a member on the default has no entry, or one with the choice `default`. */
  readonly members: Readonly<Record<string, MemberDraft>>;
}

export function draftFrom(limits: UserLimits): LimitsDraft {
  const members: Record<string, MemberDraft> = {};
  for (const [userId, credits] of Object.entries(limits.overrides)) {
    members[userId] = credits === null ? { choice: 'none', text: '' } : { choice: 'credits', text: String(credits) };
  }
  const credits = limits.default_monthly_credits;
  return { defaultLimit: credits === null ? { choice: 'none', text: '' } : { choice: 'credits', text: String(credits) }, members };
}

export const CREDITS_PROBLEM = `Enter a whole number of credits from 0 to ${formatCredits(MAX_MEMBER_LIMIT_CREDITS)}.`;

/** The credits typed, or null when they are not a limit the API takes. */
export function typedCredits(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const credits = Number(trimmed);
  return credits <= MAX_MEMBER_LIMIT_CREDITS ? credits : null;
}

/** The sentence under a field whose number is not a limit; null when it is one (or no number is asked for). */
export function creditsProblem(draft: DefaultDraft | MemberDraft): string | null {
  return draft.choice === 'credits' && typedCredits(draft.text) === null ? CREDITS_PROBLEM : null;
}

/** The body of the PUT, or null while a field is wrong. */
export function limitsBody(draft: LimitsDraft): UserLimits | null {
  const overrides: Record<string, number | null> = {};
  for (const [userId, member] of Object.entries(draft.members)) {
    if (member.choice === 'default') continue;
    if (creditsProblem(member)) return null;
    overrides[userId] = member.choice === 'none' ? null : typedCredits(member.text);
  }
  if (creditsProblem(draft.defaultLimit)) return null;
  const defaultCredits = draft.defaultLimit.choice === 'none' ? null : typedCredits(draft.defaultLimit.text);
  return { default_monthly_credits: defaultCredits, overrides };
}

/** "Default (500)" / "Default (no limit)": the default as it will be saved. */
export function defaultChoiceLabel(defaultLimit: DefaultDraft): string {
  if (defaultLimit.choice === 'none') return 'Default (no limit)';
  const credits = typedCredits(defaultLimit.text);
  return credits === null ? 'Default' : `Default (${formatCredits(credits)})`;
}

/** Why `typed` cannot be added as a member with a limit of their own; null when it can. */
export function newMemberProblem(typed: string, listed: ReadonlyMap<string, string>): string | null {
  const userId = typed.trim();
  if (userId === '') return 'Enter the user ID of the person you want to set a limit for.';
  if (userId.length > MAX_USER_ID_LENGTH || /[\u0000-\u001f]/.test(userId)) return `A user ID has at most ${MAX_USER_ID_LENGTH} characters, on one line.`;
  const name = listed.get(userId);
  if (name !== undefined) return `${name} is already in the table: change their limit there.`;
  return null;
}

/** What the server refused, as sentences: for the default field, by user ID, and for the whole form. */
export interface RefusedLimits {
  readonly defaultLimit: string | null;
  readonly members: ReadonlyMap<string, string>;
  readonly form: string | null;
}

/**
 * The server names the refused fields (`default_monthly_credits`, `overrides.<user ID>`); each becomes
 * the sentence of its field here. A refusal that names no field shown is said for the whole form.
 */
export function refusedLimits(error: unknown): RefusedLimits {
  if (!(error instanceof ApiError)) return { defaultLimit: null, members: new Map(), form: error ? 'The limits could not be saved. Try again.' : null };
  if (error.status !== 422) return { defaultLimit: null, members: new Map(), form: `The limits could not be saved: ${error.detail}` };
  const members = new Map<string, string>();
  let defaultLimit: string | null = null;
  let form: string | null = null;
  for (const field of Object.keys(error.errors)) {
    if (field === 'default_monthly_credits') defaultLimit = CREDITS_PROBLEM;
    else if (field.startsWith('overrides.')) members.set(field.slice('overrides.'.length), CREDITS_PROBLEM);
    else if (field === 'overrides') form = `You can set a limit of their own for at most ${formatCredits(MAX_OVERRIDES)} people.`;
    else form = 'Some limits could not be saved. Check the numbers and try again.';
  }
  return { defaultLimit, members, form: form ?? (defaultLimit || members.size > 0 ? null : 'Some limits could not be saved. Check the numbers and try again.') };
}
