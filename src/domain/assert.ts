/** Fails loudly when a ledger rule is broken: a broken invariant is a bug, never clamped. */
export function assertInvariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}
