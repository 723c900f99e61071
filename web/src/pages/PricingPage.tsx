import { Link } from 'react-router';
import { useSession } from '../auth.js';
import { LoadFailed, Loading } from '../components/Status.js';
import { formatCredits, formatDate, formatMoney } from '../format.js';
import { useOrg, usePlans } from '../queries.js';
import type { Org, Plan } from '../types.js';

/** "inspections" → "Inspections": the module names the AI Features page shows. */
function moduleName(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

/** A contract sets its own users, credits and prices: the catalog's figures would mislead. */
function byContract(plan: Plan, catalogValue: string): string {
  return plan.priced_by_contract ? 'By contract' : catalogValue;
}

/** Pricing & Plans: every plan of the catalog side by side, the org's own marked; changed in Billing. */
export function PricingPage() {
  const { orgId, isAdmin } = useSession();
  const plans = usePlans();
  const org = useOrg(orgId);
  return (
    <div className="pricing">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/billing">Billing</Link> <span aria-hidden="true">›</span> <span aria-current="page">Pricing &amp; Plans</span>
      </nav>
      <h1>Pricing &amp; Plans</h1>
      <p className="lead">
        Every Loupe Factory plan includes AI credits for built-in AI workflows. Included plan credits refresh at the start of each billing cycle;
        purchased credits stay available until used.
      </p>
      {(plans.isPending || org.isPending) && <Loading />}
      {(plans.isError || org.isError) && <LoadFailed error={plans.error ?? org.error} what="The plans" />}
      {plans.data && org.data && <PlanCards catalog={plans.data.items} org={org.data} />}
      <p className="pricing-change">
        {isAdmin ? (
          <>
            To upgrade, downgrade or cancel, go to <Link to="/billing">Billing &gt; Subscription</Link> and click Change Plan.
          </>
        ) : (
          <>
            An admin of your organization can change the plan in <Link to="/billing">Billing &gt; Subscription</Link>.
          </>
        )}{' '}
        How credits, plan changes and invoices work: <Link to="/billing/faq">Billing FAQ</Link>.
      </p>
    </div>
  );
}

function PlanCards({ catalog, org }: { catalog: readonly Plan[]; org: Org }) {
  return (
    <ul className="plan-cards" aria-label="Plans">
      {catalog.map((plan) => (
        <PlanCard key={plan.id} plan={plan} org={org} />
      ))}
    </ul>
  );
}

function PlanCard({ plan, org }: { plan: Plan; org: Org }) {
  const isCurrent = plan.id === org.plan;
  const isScheduled = plan.id === org.subscription.scheduled_plan;
  const headingId = `plan-${plan.id}`;
  return (
    <li className={`plan-card${isCurrent ? ' current' : ''}`} aria-labelledby={headingId} aria-current={isCurrent ? 'true' : undefined}>
      <div className="plan-card-head">
        <h2 id={headingId}>{plan.name}</h2>
        {isCurrent && <p className="tag tag-ok">Your current plan</p>}
        {isScheduled && <p className="tag">Your plan from {formatDate(org.subscription.current_period_end)}</p>}
      </div>
      {plan.priced_by_contract ? (
        <p className="plan-price">
          <strong>Contact sales</strong>
          <span className="muted">Priced by contract: price, AI credits and terms are agreed with our sales team.</span>
        </p>
      ) : (
        <p className="plan-price">
          <strong>{formatMoney(plan.base_price_cents, plan.currency)}</strong> <span className="muted">per month</span>
        </p>
      )}
      <dl className="plan-terms">
        <dt>Users included</dt>
        <dd>{byContract(plan, formatCredits(plan.included_users))}</dd>
        <dt>AI credits each billing period</dt>
        <dd>{byContract(plan, formatCredits(plan.included_credits))}</dd>
        <dt>Extra credits</dt>
        <dd>{byContract(plan, `${formatMoney(plan.credit_price_cents, plan.currency)} each`)}</dd>
      </dl>
      <h3 id={`${headingId}-modules`}>AI modules</h3>
      <ul className="plan-modules" aria-labelledby={`${headingId}-modules`}>
        {plan.features.map((feature) => (
          <li key={feature}>{moduleName(feature)}</li>
        ))}
      </ul>
    </li>
  );
}
