import { useEffect, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router';

interface Question {
  /** The anchor of the answer: /billing/faq#<id> links to it, so an id never changes once published. */
  readonly id: string;
  readonly question: string;
  readonly answer: ReactNode;
}

/** The help page's questions, answered with its own facts (AI Credits & Billing), in its words. */
const QUESTIONS: readonly Question[] = [
  {
    id: 'what-are-ai-credits',
    question: 'What are AI credits?',
    answer: (
      <>
        <p>
          AI credits are the unit Loupe Factory uses for built-in AI capabilities. Each time your team uses an AI-assisted action, a small number of
          credits is deducted from your organization’s balance. Credits are shared across all team members in your organization.
        </p>
        <p>
          Your balance comes from three sources: included plan credits, which come with your subscription; purchased credits, added on top of
          them; and on-demand overage, optional extra usage billed on your next invoice. Your current balance is always visible in the top
          navigation bar.
        </p>
      </>
    ),
  },
  {
    id: 'how-credits-are-used',
    question: 'How are credits used?',
    answer: (
      <>
        <p>
          AI credits are based on token usage, not a flat per-feature fee. Loupe Factory converts AI tokens into credits at a rate of 1 credit per
          1,000 tokens, rounded up, with a minimum charge of 1 credit per request.
        </p>
        <p>
          The usage history on <Link to="/admin/ai-credits">AI Credits Usage</Link> shows, for each AI request, the date, the user, the action,
          the feature used, the token count and the credits consumed. To reserve credits for higher-priority workflows, you can disable AI
          assistance for specific modules in <Link to="/admin/ai-features">Admin Settings &gt; AI Features</Link>.
        </p>
      </>
    ),
  },
  {
    id: 'when-credits-reset',
    question: 'When do included credits reset?',
    answer: (
      <p>
        Included plan credits are added automatically as part of your subscription and refresh at the start of each billing cycle. Purchased
        credits are not reset: they stay on the account until they are used, even after a billing cycle resets. Higher-tier plans include more AI
        capacity; compare them on <Link to="/billing/plans">Pricing &amp; Plans</Link>.
      </p>
    ),
  },
  {
    id: 'purchased-credits',
    question: 'Can we buy more credits, and do they expire?',
    answer: (
      <>
        <p>
          Yes. An admin can purchase additional credits at any time from{' '}
          <Link to="/admin/ai-credits">Admin Settings &gt; AI Credits Usage</Link>, in the Purchase Credits section. Purchased credits are added on
          top of your included plan credits, they do not expire, and they carry forward until used.
        </p>
        <p>
          Loupe Factory charges $0.01 per credit: 1,000 credits cost $10.00. You can buy from 100 up to 100,000 credits per transaction. Review
          the total price before you confirm; the credits are added to your balance immediately after payment is processed.
        </p>
      </>
    ),
  },
  {
    id: 'on-demand-usage',
    question: 'What is on-demand usage, and how does its limit work?',
    answer: (
      <>
        <p>
          On-demand usage helps avoid interruptions when your included plan credits run out. When it is turned on, your team can keep using AI
          features and the extra usage is billed on your next invoice, at $0.01 per credit. If you prefer a hard stop instead, leave it turned
          off.
        </p>
        <p>
          You stay in control of how much extra usage is allowed: set a monthly overage limit in credits, and Loupe Factory stops additional
          overage usage when that cap is reached. If you set the limit to 0, overage is unlimited for that period. For example, a monthly overage
          limit of 1,000 credits caps extra spend at $10.00 for that billing period. Admins change both in{' '}
          <Link to="/admin/ai-credits">Admin Settings &gt; AI Credits Usage</Link>, under On-Demand Usage.
        </p>
      </>
    ),
  },
  {
    id: 'when-credits-run-out',
    question: 'What happens when our credits run out?',
    answer: (
      <>
        <p>
          When your balance runs low, Loupe Factory notifies you so you can top up before AI workflows are interrupted. If on-demand usage is
          turned off, Loupe Factory stops AI actions as soon as your available credits are exhausted. If it is turned on, AI features keep
          working and the extra usage is billed on your next invoice, until your monthly overage limit is reached.
        </p>
        <p>
          To start again, an admin can purchase credits, or turn on on-demand usage or raise its limit. Otherwise your included plan credits
          refresh at the start of the next billing cycle. If you are a member, ask an admin of your organization.
        </p>
      </>
    ),
  },
  {
    id: 'changing-plan',
    question: 'How do plan changes work? Are they prorated?',
    answer: (
      <>
        <p>
          An admin changes the plan in <Link to="/billing">Billing &gt; Subscription</Link>: click Change Plan, select the plan and confirm the
          change. An upgrade applies at once: this period’s included AI credits rise to the new plan’s, and the price difference for the rest of
          the period, prorated by the days left, is added to your next invoice. A downgrade takes effect at the end of the current period; until
          then you keep your current plan and its credits.
        </p>
        <p>
          When Loupe Factory receives confirmation from the billing system, it updates your plan limits, included AI credits and plan-level
          features. Enterprise is agreed with our sales team; if your organization uses a custom enterprise contract, the timing and billing
          rules in that contract apply.
        </p>
      </>
    ),
  },
  {
    id: 'cancellation',
    question: 'What happens when we cancel?',
    answer: (
      <p>
        An admin cancels in <Link to="/billing">Billing &gt; Subscription</Link>. Cancelling your subscription disables plan-based billing and AI
        access at the end of the active billing term; until then nothing changes. Your data remains accessible for 30 days after cancellation to
        allow for export.
      </p>
    ),
  },
  {
    id: 'invoices-and-tax',
    question: 'Where are our invoices, and how is tax worked out?',
    answer: (
      <>
        <p>
          Your billing history in <Link to="/billing">Billing</Link> shows past subscription charges, credit purchases and invoices. Click any
          entry in Invoice History to view the full invoice details, and click Download PDF to save a copy for your records or share it with your
          finance team.
        </p>
        <p>
          Each invoice shows the billing period, your subscription plan and its base cost, any credit purchases, the tax and the total (due while the invoice is open, paid once it is paid).
          Tax is applied based on your billing address.
        </p>
      </>
    ),
  },
  {
    id: 'payment-methods',
    question: 'How can we pay?',
    answer: (
      <p>
        Loupe Factory accepts major credit and debit cards. An admin can update the payment method at any time in{' '}
        <Link to="/billing">Billing &gt; Payment Methods</Link>. Payments are handled securely by our billing partner; Loupe Factory keeps only
        each card’s brand, last 4 digits and expiry.
      </p>
    ),
  },
];

/** Billing FAQ: one heading and short answer per question, each linkable as /billing/faq#<id>. */
export function BillingFaqPage() {
  useScrollToAnchor();
  return (
    <div className="faq">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/billing">Billing</Link> <span aria-hidden="true">›</span> <span aria-current="page">Billing FAQ</span>
      </nav>
      <h1>Billing FAQ</h1>
      <p className="lead">
        Quick answers about AI credits, plans and invoices. To compare plans, see <Link to="/billing/plans">Pricing &amp; Plans</Link>.
      </p>
      <nav className="card faq-contents" aria-label="Questions">
        <ul>
          {QUESTIONS.map((item) => (
            <li key={item.id}>
              <a href={`#${item.id}`}>{item.question}</a>
            </li>
          ))}
        </ul>
      </nav>
      {QUESTIONS.map((item) => (
        <section key={item.id} className="card faq-answer" aria-labelledby={item.id}>
          <h2 id={item.id}>{item.question}</h2>
          {item.answer}
        </section>
      ))}
    </div>
  );
}

/** A link from elsewhere (/billing/faq#cancellation) opens at its answer: the router does not scroll to it. */
function useScrollToAnchor() {
  const { hash } = useLocation();
  useEffect(() => {
    if (hash) document.getElementById(decodeURIComponent(hash.slice(1)))?.scrollIntoView();
  }, [hash]);
}
