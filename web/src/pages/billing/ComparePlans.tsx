import { formatCredits, formatMoney } from '../../format.js';
import type { Org, Plan } from '../../types.js';
import { planPrice } from './plan-terms.js';
import { ScrollRegion } from '../../components/ScrollRegion.js';

/** The plans side by side, each with the button that picks it (or "Contact sales"). */
export function ComparePlans({ org, catalog, onSelect, onClose }: { org: Org; catalog: readonly Plan[]; onSelect: (plan: Plan) => void; onClose: () => void }) {
  return (
    <div className="panel" role="region" aria-labelledby="compare-heading">
      <h3 id="compare-heading">Compare plans</h3>
      <ScrollRegion label="Compare plans">
        <table className="compare">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Plan</span>
              </th>
              {catalog.map((plan) => (
                <th key={plan.id} scope="col" className={plan.id === org.plan ? 'current' : undefined}>
                  {plan.name}
                  {plan.id === org.plan && <span className="tag tag-ok">Current</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Price</th>
              {catalog.map((plan) => (
                <td key={plan.id}>{planPrice(plan)}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">Users</th>
              {catalog.map((plan) => (
                <td key={plan.id}>{formatCredits(plan.included_users)}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">AI credits per month</th>
              {catalog.map((plan) => (
                <td key={plan.id}>{plan.priced_by_contract ? 'By contract' : formatCredits(plan.included_credits)}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">Extra credits</th>
              {catalog.map((plan) => (
                <td key={plan.id}>{formatMoney(plan.credit_price_cents, plan.currency)} each</td>
              ))}
            </tr>
            <tr>
              <td />
              {catalog.map((plan) => (
                <td key={plan.id}>
                  <PlanChoice plan={plan} isCurrent={plan.id === org.plan && !org.subscription.scheduled_plan} onSelect={onSelect} />
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </ScrollRegion>
      <button type="button" className="link" onClick={onClose}>
        Close comparison
      </button>
    </div>
  );
}

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
