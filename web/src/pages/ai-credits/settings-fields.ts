import { ApiError } from '../../api.js';
import { formatCredits } from '../../format.js';

/** The most alert addresses and the largest threshold the API takes (routes/settings.ts). */
export const MAX_ALERT_EMAILS = 20;
export const MAX_LOW_BALANCE_THRESHOLD = 1_000_000_000;
/** The largest auto-recharge threshold the API takes (routes/notifications.ts). */
export const MAX_RECHARGE_THRESHOLD = 100_000_000;
const MAX_EMAIL_LENGTH = 254;

/** A whole number of credits from `min` to `max` as typed, or the sentence that says what to type. */
export function wholeCredits(text: string, { min, max }: { min: number; max: number }): { credits: number } | { problem: string } {
  const trimmed = text.trim();
  const credits = /^\d+$/.test(trimmed) ? Number(trimmed) : null;
  if (credits === null || credits < min || credits > max) {
    return { problem: `Enter a whole number of credits from ${formatCredits(min)} to ${formatCredits(max)}.` };
  }
  return { credits };
}

/** Addresses typed one per line (commas and spaces also separate them), without repeats. */
export function splitEmails(text: string): string[] {
  const seen = new Set<string>();
  const emails: string[] = [];
  for (const email of text.split(/[\s,;]+/).filter(Boolean)) {
    if (seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    emails.push(email);
  }
  return emails;
}

/** Why the addresses cannot be saved, naming the first one that is wrong; null when they can. */
export function emailsProblem(emails: readonly string[]): string | null {
  const wrong = emails.find((email) => email.length > MAX_EMAIL_LENGTH || !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(email));
  if (wrong !== undefined) return `“${wrong}” is not an e-mail address. Check it, or remove it.`;
  if (emails.length > MAX_ALERT_EMAILS) return `Enter at most ${MAX_ALERT_EMAILS} addresses.`;
  return null;
}

/**
 * The fields the server refused, each as a sentence for its field (the server names fields, we word
 * them); `fields` maps an API field name (or its prefix, as in `emails.3`) to the sentence.
 */
export function refusedFields(error: unknown, fields: Record<string, string>): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const refused: Record<string, string> = {};
  for (const name of Object.keys(error.errors)) {
    const field = Object.keys(fields).find((candidate) => name === candidate || name.startsWith(`${candidate}.`));
    if (field) refused[field] = fields[field]!;
  }
  return refused;
}
