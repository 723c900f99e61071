import { sql, type Kysely } from 'kysely';

/** Failed logins per e-mail, for the lockout (several servers share it). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE login_failures (
      email text NOT NULL,
      failed_at timestamptz NOT NULL
    );
    CREATE INDEX login_failures_recent ON login_failures (email, failed_at DESC);
  `.execute(db);
}
