/** One org's share of a job that failed: logged, and retried on a later run for that org alone. */
export interface OrgJobFailure {
  readonly job: string;
  readonly orgId: string;
  readonly error: unknown;
}

export type OrgJobFailureLog = (failure: OrgJobFailure) => void;

/** One JSON line on stderr, in pino's shape (level 50 = error), like the server's own log. */
export const logOrgJobFailure: OrgJobFailureLog = ({ job, orgId, error }) => {
  const err = error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : { message: String(error) };
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), job, org_id: orgId, err, msg: `${job} failed for org ${orgId}; retrying on a later run` })}\n`);
};

/**
 * Runs `work` for each item in turn; an item that throws is logged and skipped, so one org whose
 * work fails never stops the others (DESIGN.md). Its work is still due, so a later run retries it.
 * Answers the orgs that failed.
 */
export async function forEachOrg<T extends { readonly orgId: string }>(
  input: { job: string; items: readonly T[]; log: OrgJobFailureLog },
  work: (item: T) => Promise<unknown>,
): Promise<string[]> {
  const failed: string[] = [];
  for (const item of input.items) {
    try {
      await work(item);
    } catch (error) {
      failed.push(item.orgId);
      input.log({ job: input.job, orgId: item.orgId, error });
    }
  }
  return failed;
}
