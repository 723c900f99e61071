import type { EventType } from '../db/events.js';

/** What each event says to a person, in the app and by e-mail. */
export function describeEvent(type: EventType, data: Record<string, unknown>, orgName: string): { title: string; body: string } {
  const credits = (value: unknown) => Number(value ?? 0).toLocaleString('en-US');
  const money = (cents: unknown) => `$${(Number(cents ?? 0) / 100).toFixed(2)}`;
  switch (type) {
    case 'balance.low':
      return {
        title: 'AI credits are running low',
        body: `${orgName} has ${credits(data.remaining_credits)} AI credits left, below your alert at ${credits(data.threshold)}. Buy credits in Admin Settings > AI Credits Usage or turn on on-demand usage so AI workflows are not interrupted.`,
      };
    case 'credits.exhausted':
      return {
        title: 'AI credits are used up',
        body: `${orgName} has no AI credits left and on-demand usage is off, so AI actions are stopped. Buy credits or turn on on-demand usage in Admin Settings > AI Credits Usage.`,
      };
    case 'overage.limit_warning':
      return {
        title: `On-demand usage is at ${String(data.percent ?? 80)}% of its limit`,
        body: `${orgName} has used ${credits(data.used_credits)} of its ${credits(data.limit_credits)} monthly on-demand credits.`,
      };
    case 'overage.limit_reached':
      return {
        title: 'On-demand usage limit reached',
        body: `${orgName} has used all ${credits(data.limit_credits)} monthly on-demand credits; further AI actions are stopped until the next period, a purchase, or a higher limit.`,
      };
    case 'purchase.succeeded':
      return { title: 'Credits purchased', body: `${credits(data.credits)} AI credits were added to ${orgName}.` };
    case 'payment.failed':
      return {
        title: 'A payment failed',
        body: `A charge of ${money(data.amount_cents)} to ${orgName}'s card failed (${String(data.failure_code ?? 'declined')}). Update the payment method in Billing > Payment Methods.`,
      };
    case 'subscription.changed':
      return {
        title: 'Subscription updated',
        body: data.cancel_at_period_end
          ? `${orgName}'s subscription will end at the end of the current term.`
          : data.scheduled_plan
            ? `${orgName} moves to the ${String(data.scheduled_plan)} plan at the end of the current period.`
            : `${orgName} is on the ${String(data.plan)} plan.`,
      };
    case 'subscription.canceled':
      return { title: 'Subscription ended', body: `${orgName}'s subscription has ended. Your data stays readable and exportable for 30 days.` };
    case 'auto_recharge.paused':
      return {
        title: 'Auto-recharge paused',
        body: `Auto-recharge for ${orgName} could not charge the card (${String(data.failure_code ?? 'declined')}) and is paused. Update the card and turn auto-recharge back on.`,
      };
    case 'webhook_endpoint.disabled':
      return { title: 'Webhook endpoint disabled', body: `Deliveries to ${String(data.url)} failed for 24 hours, so the endpoint was disabled.` };
    case 'member.invited':
      return { title: 'Invitation sent', body: `${String(data.email)} was invited to join ${orgName} as ${data.role === 'admin' ? 'an admin' : 'a member'}; they join when they accept it.` };
  }
}
