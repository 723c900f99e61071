/** At this share of a limit the bar turns to a warning, as the server's `user_limit.warning` event does (80%). */
const WARNING_SHARE = 0.8;

export type UsageLevel = 'ok' | 'warning' | 'reached';

/** Where `used` stands against `limit`: under 80%, from 80%, or at the limit or past it. */
export function usageLevel(used: number, limit: number): UsageLevel {
  if (used >= limit) return 'reached';
  return used >= limit * WARNING_SHARE ? 'warning' : 'ok';
}

/**
 * A bar of the credits used against a limit. Hidden from screen readers: the sentence or figures
 * beside it say the same in words.
 */
export function UsageBar({ used, limit }: { used: number; limit: number }) {
  const share = limit === 0 ? 1 : Math.min(used / limit, 1);
  return (
    <span className={`usage-bar usage-${usageLevel(used, limit)}`} aria-hidden="true">
      <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
    </span>
  );
}
