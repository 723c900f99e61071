import { Link } from 'react-router';
import { useSession } from '../../auth.js';
import { useBalance } from '../../queries.js';
import { aiStoppedState } from './ai-stopped.js';

/**
 * "AI features are stopped: …" with what starts them again, on the pages about AI (AI Credits Usage,
 * AI Features); nothing while AI runs. The balance is the top bar's, so this costs no request.
 */
export function AiStoppedNotice() {
  const { orgId, isAdmin } = useSession();
  const balance = useBalance(orgId);
  const state = balance.data ? aiStoppedState(balance.data, isAdmin) : null;
  if (!state) return null;
  return (
    <div className="ai-stopped" data-testid="ai-stopped">
      <p>
        <strong>{state.sentence}</strong>
      </p>
      {state.fix.kind === 'ask' ? (
        <p>{state.fix.sentence}</p>
      ) : (
        <p className="ai-stopped-actions">
          {state.fix.links.map((link) => (
            <Link key={link.label} to={link.to} className="button-link">
              {link.label}
            </Link>
          ))}
        </p>
      )}
    </div>
  );
}
