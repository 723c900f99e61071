import { formatCredits, formatMoney } from '../../format.js';
import type { Org, Plan } from '../../types.js';
import { planPrice } from './plan-terms.js';
import { ScrollRegion } from '../../components/ScrollRegion.js';

/**
 * The plans, one row each with the button that picks it (or "Contact sales"). Below 600 px each row is
 * shown as a card of its own (styles.css), so that a phone shows every plan without scrolling sideways.
 * The explicit roles keep it a table for screen readers once CSS displays its rows as blocks.
 */
export function ComparePlans({ org, catalog, onSelect, onClose }: { org: Org; catalog: readonly Plan[]; onSelect: (plan: Plan) => void; onClose: () => void }) {
  // An ended subscription has no current plan: every plan, its last one too, starts a new term.
  const active = org.subscription.status !== 'canceled';
  return (
    <div className="panel" role="region" aria-labelledby="compare-heading">
      <h3 id="compare-heading">Compare plans</h3>
      <ScrollRegion label="Compare plans">
        <table className="compare" role="table">
          <caption className="visually-hidden">Plans with their price, users and AI credits</caption>
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader">
                Plan
              </th>
              {COLUMNS.map((column) => (
                <th key={column.label} scope="col" role="columnheader">
                  {column.label}
                </th>
              ))}
              <th scope="col" role="columnheader">
                <span className="visually-hidden">Choose</span>
              </th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {catalog.map((plan) => {
              const isCurrent = active && plan.id === org.plan;
              return (
                <tr key={plan.id} role="row" className={isCurrent ? 'current' : undefined}>
                  <th scope="row" role="rowheader">
                    {plan.name}
                    {isCurrent && <span className="tag tag-ok">Current</span>}
                  </th>
                  {COLUMNS.map((column) => (
                    <td key={column.label} role="cell" data-label={column.label}>
                      {column.value(plan)}
                    </td>
                  ))}
                  <td role="cell" className="choice">
                    <PlanChoice plan={plan} isCurrent={isCurrent && !org.subscription.scheduled_plan} onSelect={onSelect} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
      <button type="button" className="link" onClick={onClose}>
        Close comparison
      </button>
    </div>
  );
}

/** What is compared, in order; each cell also carries its column's name, the label of a plan card on a phone. */
const COLUMNS: readonly { label: string; value: (plan: Plan) => string }[] = [
  { label: 'Price', value: (plan) => planPrice(plan) },
  { label: 'Users', value: (plan) => formatCredits(plan.included_users) },
  { label: 'AI credits per month', value: (plan) => (plan.priced_by_contract ? 'By contract' : formatCredits(plan.included_credits)) },
  { label: 'Extra credits', value: (plan) => `${formatMoney(plan.credit_price_cents, plan.currency)} each` },
];

function PlanChoice({ plan, isCurrent, onSelect }: { plan: Plan; isCurrent: boolean; onSelect: (plan: Plan) => void }) {
  // A plan priced by contract is agreed with sales, never picked here (the API refuses it too).
  if (plan.priced_by_contract && !isCurrent) {
    return (
      <p className="contact-sales">
        <strong>Contact sales</strong>
        <span className="muted"> — {plan.name} is agreed in a contract with our sales team.</span>
      </p>
    );
  }
  return (
    <button type="button" className={isCurrent ? undefined : 'primary'} disabled={isCurrent} onClick={() => onSelect(plan)}>
      Select {plan.name}
    </button>
  );
}
