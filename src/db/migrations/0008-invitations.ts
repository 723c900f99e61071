import { sql, type Kysely } from 'kysely';

/**
 * Invitations: an org admin never creates another person's account or password. Adding a member
 * without the platform key records an invitation (a single-use token with an expiry) and e-mails it
 * to the invitee, who sets their own password when accepting. The token is kept as its SHA-256 only.
 * An e-mail can be `confidential`: its body (the invitation link) is shown to the platform key, never
 * to the org's admins in the list of e-mails.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE invitations (
      org_id text NOT NULL REFERENCES orgs,
      invitation_id text NOT NULL,
      email text NOT NULL,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'member')),
      token_hash text NOT NULL UNIQUE,
      invited_by text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      accepted_user_id text,
      revoked_at timestamptz,
      PRIMARY KEY (org_id, invitation_id)
    );
    CREATE UNIQUE INDEX invitations_one_pending_per_email ON invitations (org_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL;
    ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
    CREATE POLICY org_scope ON invitations TO loupe_app
      USING (org_id = current_setting('loupe.org_id', true))
      WITH CHECK (org_id = current_setting('loupe.org_id', true));
    GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO loupe_app;
    ALTER TABLE email_messages ADD COLUMN confidential boolean NOT NULL DEFAULT false;
  `.execute(db);
}
