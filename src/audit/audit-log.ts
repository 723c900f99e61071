import { Readable } from 'node:stream';
import type { Db } from '../db/database.js';
import { listAuditEvents, type AuditFilter, type AuditRow } from '../db/audit-log.js';
import { csvStringifier } from '../billing/csv.js';

/** An audit entry as API.md shows it. */
export function auditItem(row: AuditRow) {
  return {
    id: row.audit_id,
    at: row.at.toISOString(),
    actor: { kind: row.actor_kind, id: row.actor_id, ...(row.actor_name === null ? {} : { name: row.actor_name }) },
    action: row.action,
    target: row.target,
    ...(row.before === null ? {} : { before: row.before }),
    ...(row.after === null ? {} : { after: row.after }),
    ...(row.ip === null ? {} : { ip: row.ip }),
    ...(row.user_agent === null ? {} : { user_agent: row.user_agent }),
  };
}

export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'target', 'before', 'after', 'ip', 'user_agent'] as const;

/** The log as CSV, a page at a time, so memory stays flat; before/after as JSON text. */
export function auditCsvStream(db: Db, filter: AuditFilter): Readable {
  const csv = csvStringifier(AUDIT_CSV_COLUMNS);
  const rows = Readable.from(
    (async function* () {
      let after: { at: Date; seq: string } | undefined;
      for (;;) {
        const page = await listAuditEvents(db, filter, { limit: 500, after });
        for (const row of page) {
          yield {
            id: row.audit_id,
            at: row.at.toISOString(),
            actor_kind: row.actor_kind,
            actor_id: row.actor_id ?? '',
            actor_name: row.actor_name ?? '',
            action: row.action,
            target: row.target ?? '',
            before: row.before === null ? '' : JSON.stringify(row.before),
            after: row.after === null ? '' : JSON.stringify(row.after),
            ip: row.ip ?? '',
            user_agent: row.user_agent ?? '',
          };
        }
        const last = page.at(-1);
        if (!last || page.length < 500) return;
        after = { at: last.at, seq: last.seq };
      }
    })(),
  );
  rows.on('error', (error) => csv.destroy(error));
  return rows.pipe(csv);
}
