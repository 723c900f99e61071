import type { EventType } from '../db/events.js';
import { paymentFailureReason } from '../domain/payment-failures.js';

const DATE = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

/** What each event says to a person, in the app and by e-mail. */
/** A plan's name; events from before plan names were stored carry the id ("team" → "Team"). */
function planName(value: unknown): string {
  const text = String(value ?? '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

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
      if (data.subscription_ended) {
        return {
          title: 'AI credits ended with the subscription',
          body: `${orgName}'s subscription has ended, so its plan credits expired and AI actions are stopped. Choose a plan in Billing to go on; your data stays readable for 30 days.`,
        };
      }
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
    case 'purchase.refunded':
      return {
        title: 'A credit purchase was refunded',
        body: `${credits(data.credits)} unused purchased credits were taken back from ${orgName} and ${money(data.total_cents)} was paid back to the card. Credit note ${String(data.credit_note_number ?? '')} is in Billing.`,
      };
    case 'purchase.disputed':
      if (data.status === 'won') {
        return {
          title: 'A card dispute was won',
          body: `The bank decided the dispute of a credit purchase in ${orgName}'s favour: its ${credits(data.frozen_credits)} frozen credits can be used again.`,
        };
      }
      if (data.status === 'lost') {
        return {
          title: 'A card dispute was lost',
          body: `The bank returned ${money(data.total_cents)} of a credit purchase to the cardholder, so its ${credits(data.frozen_credits)} frozen credits were taken back from ${orgName}. Credit note ${String(data.credit_note_number ?? '')} is in Billing.`,
        };
      }
      return {
        title: 'A credit purchase is disputed',
        body: `The cardholder disputed a ${money(data.amount_cents)} credit purchase of ${orgName} with their bank. Its ${credits(data.frozen_credits)} unused credits are frozen until the bank decides; they come back if the dispute is won.`,
      };
    case 'payment.failed':
      return {
        title: 'A payment failed',
        body: `A charge of ${money(data.amount_cents)} to ${orgName}'s card failed: ${paymentFailureReason(data.failure_code as string | undefined)}. Update the payment method in Billing > Payment Methods; the invoice is charged again as soon as a card is the default.`,
      };
    case 'subscription.changed': {
      const periodEnd = typeof data.current_period_end === 'string' ? ` on ${DATE.format(new Date(data.current_period_end))}` : ' at the end of the current period';
      return {
        title: 'Subscription updated',
        body: data.cancel_at_period_end
          ? `${orgName}'s subscription will end${periodEnd}. Until then everything works as before.`
          : data.scheduled_plan
            ? `${orgName} moves to the ${planName(data.scheduled_plan_name ?? data.scheduled_plan)} plan${periodEnd}.`
            : `${orgName} is on the ${planName(data.plan_name ?? data.plan)} plan.`,
      };
    }
    case 'subscription.canceled':
      return {
        title: 'Subscription ended',
        body: `${orgName}'s subscription has ended and AI actions are stopped. Your data stays readable for 30 days: export it in Billing, or choose a plan to subscribe again.`,
      };
    case 'auto_recharge.paused':
      return {
        title: 'Auto-recharge paused',
        body: `Auto-recharge for ${orgName} could not charge the card (${paymentFailureReason(data.failure_code as string | undefined)}) and is paused. Update the card in Billing > Payment Methods and turn auto-recharge back on.`,
      };
    case 'webhook_endpoint.disabled':
      return { title: 'Webhook endpoint disabled', body: `Deliveries to ${String(data.url)} failed for 24 hours, so the endpoint was disabled.` };
    case 'user_limit.warning':
    case 'user_limit.reached': {
      const who = String(data.user_name ?? data.user_id ?? 'A member');
      const used = `${credits(data.credits_this_period)} of ${credits(data.monthly_limit_credits)} monthly credits`;
      return type === 'user_limit.warning'
        ? { title: `${who} is at ${String(data.percent ?? 80)}% of their credit limit`, body: `${who} has used ${used} in ${orgName} this period. Change member limits in Admin Settings > Member limits.` }
        : {
            title: `${who} reached their credit limit`,
            body: `${who} has used ${used} in ${orgName}, so their new AI actions are refused until the next period or a higher limit. Change it in Admin Settings > Member limits.`,
          };
    }
    case 'member.invited':
      return { title: 'Invitation sent', body: `${String(data.email)} was invited to join ${orgName} as ${data.role === 'admin' ? 'an admin' : 'a member'}; they join when they accept it.` };
  }
}
