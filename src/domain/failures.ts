/**
 * The one catalogue of expected failures. Use cases throw `Failure`; the HTTP layer turns it into
 * problem+json with the status and title named here, and a Retry-After header where the entry says
 * a retry may succeed. Codes are part of the public contract.
 */
export const FAILURES = {
  VALIDATION_FAILED: { status: 422, title: 'The request has invalid fields' },
  INVALID_JSON: { status: 400, title: 'The request body is not valid JSON' },
  BAD_REQUEST: { status: 400, title: 'The request is malformed' },
  URI_TOO_LONG: { status: 414, title: 'A path segment is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be application/json' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  INVALID_CREDENTIALS: { status: 401, title: 'E-mail or password is wrong' },
  FORBIDDEN: { status: 403, title: 'Your role does not allow this' },
  CSRF_TOKEN_INVALID: { status: 403, title: 'The CSRF token is missing or wrong' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'The path does not answer this method; the Allow header lists those it does' },
  ORG_NOT_FOUND: { status: 404, title: 'Organization not found' },
  HOLD_NOT_FOUND: { status: 404, title: 'Hold not found' },
  ORG_EXISTS: { status: 409, title: 'An organization with this id exists already' },
  MEMBER_EXISTS: { status: 409, title: 'This user is a member already' },
  INVITATION_INVALID: { status: 404, title: 'This invitation link is not valid: it was used, withdrawn or has expired' },
  INVITATION_NOT_FOUND: { status: 404, title: 'There is no open invitation with this id' },
  MEMBER_NOT_FOUND: { status: 404, title: 'This person is not a member of the organization' },
  LAST_ADMIN: { status: 409, title: 'The last admin cannot be removed; make another member an admin first' },
  IDEMPOTENCY_CONFLICT: { status: 409, title: 'This idempotency key was used with a different request' },
  PURCHASE_OUT_OF_RANGE: { status: 422, title: 'Credits must be a whole number within the purchase limits' },
  PAYMENT_DECLINED: { status: 402, title: 'The payment was declined' },
  CARD_INVALID: { status: 422, title: 'The card details are not valid' },
  NO_PAYMENT_METHOD: { status: 422, title: 'Add a payment method first' },
  PAYMENT_METHOD_NOT_FOUND: { status: 404, title: 'Payment method not found' },
  PAYMENT_PROVIDER_UNAVAILABLE: { status: 503, title: 'The payment provider did not answer; nothing was charged twice, retry with the same key', retryAfterSeconds: 2 },
  INVOICE_NOT_FOUND: { status: 404, title: 'Invoice not found' },
  INVOICE_NOT_OPEN: { status: 409, title: 'The invoice is not open: nothing is due on it' },
  PURCHASE_NOT_FOUND: { status: 404, title: 'Credit purchase not found' },
  PURCHASE_NOT_REFUNDABLE: { status: 409, title: 'Only a purchase that was paid can be refunded' },
  NOTHING_TO_REFUND: { status: 422, title: 'None of the purchase’s credits are left to refund' },
  PURCHASE_DISPUTED: { status: 409, title: 'The purchase’s charge is disputed: it cannot be refunded while the dispute is open' },
  PURCHASE_NOT_SETTLED: { status: 409, title: 'The purchase’s payment is not settled yet: send its dispute again later' },
  DISPUTE_NOT_FOUND: { status: 404, title: 'Dispute not found' },
  DISPUTE_NOT_DECIDABLE: { status: 409, title: 'This dispute cannot be decided here' },
  NO_UPCOMING_INVOICE: { status: 404, title: 'No invoice is coming: the subscription ends with nothing left to bill' },
  SUBSCRIPTION_INACTIVE: { status: 409, title: 'The subscription has ended' },
  PLAN_UNCHANGED: { status: 422, title: 'The org is on this plan already' },
  PLAN_NEEDS_CONTRACT: { status: 422, title: 'This plan is priced by contract: contact sales' },
  ALREADY_CANCELED: { status: 409, title: 'The subscription is already set to cancel' },
  NOTHING_TO_RESUME: { status: 409, title: 'There is no cancellation or scheduled change to undo' },
  WEBHOOK_SIGNATURE_INVALID: { status: 400, title: 'The webhook signature is missing, wrong or too old' },
  WEBHOOKS_NOT_CONFIGURED: { status: 404, title: 'Stripe is not configured on this server' },
  WEBHOOK_ENDPOINT_LIMIT: { status: 409, title: 'The org has as many webhook endpoints as allowed; remove one first' },
  PLAN_USER_LIMIT: { status: 422, title: "The plan's included users are all taken" },
  UNKNOWN_PLAN: { status: 422, title: 'There is no such plan' },
  FEATURE_NOT_ON_PLAN: { status: 422, title: 'This AI module is not part of the plan' },
  INSUFFICIENT_CREDITS: { status: 422, title: 'Not enough credits for this adjustment' },
  CLOCK_CANNOT_GO_BACK: { status: 422, title: 'The test clock only moves forward' },
  OVERLOADED: { status: 429, title: 'Too many requests are waiting; retry shortly', retryAfterSeconds: 1 },
  RATE_LIMITED: { status: 429, title: 'Too many requests from this client; retry shortly' },
  LOGIN_LOCKED: { status: 429, title: 'Too many failed sign-ins; try again later' },
  LAST_API_KEY: { status: 409, title: 'The last active platform key cannot be revoked' },
  NOT_READY: { status: 503, title: 'The service is not ready', retryAfterSeconds: 1 },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string; retryAfterSeconds?: number }>;

export type FailureCode = keyof typeof FAILURES;

/** Seconds after which a retry of this failure may succeed (sent as Retry-After); undefined: do not retry as is. */
export function retryAfterOf(code: FailureCode): number | undefined {
  const entry = FAILURES[code];
  return 'retryAfterSeconds' in entry ? entry.retryAfterSeconds : undefined;
}

export type FieldErrors = Record<string, string[]>;

export class Failure extends Error {
  override name = 'Failure';
  constructor(
    readonly code: FailureCode,
    detail?: string,
    readonly errors?: FieldErrors,
    /** Seconds after which a retry may succeed, when this instance knows better than the catalogue: sent as Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? FAILURES[code].title);
  }
}

/** A 422 naming the bad fields, for rules a schema cannot express. */
export function invalidFields(errors: FieldErrors): Failure {
  const names = Object.keys(errors).join(', ');
  return new Failure('VALIDATION_FAILED', `Invalid fields: ${names}`, errors);
}
