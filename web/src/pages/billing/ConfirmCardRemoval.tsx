import { cardLabel } from '../../cards.js';
import type { PaymentMethod } from '../../types.js';
import { ConfirmPanel, type ConfirmActions } from './ConfirmPanel.js';

/** "Remove Visa •••• 4242?", with what removing it changes, before anything is removed. */
export function ConfirmCardRemoval({ card, cards, ...actions }: ConfirmActions & { card: PaymentMethod; cards: readonly PaymentMethod[] }) {
  return (
    <ConfirmPanel id="remove-card-heading" question={`Remove ${cardLabel(card)}?`} confirm={{ label: 'Remove card', pendingLabel: 'Removing…' }} keep="Keep card" danger {...actions}>
      {removalConsequence(card, cards)}
    </ConfirmPanel>
  );
}

/** What removing this card changes, in a sentence. */
function removalConsequence(card: PaymentMethod, cards: readonly PaymentMethod[]): string {
  if (cards.length === 1) {
    return 'It is your only card. Plan renewals, open invoices and credit purchases need one: until you add another card, the next charge will fail and auto-recharge stops.';
  }
  if (card.default && cards.length === 2) return `Your other card, ${cardLabel(cards.find((other) => other.id !== card.id)!)}, becomes the default for renewals and purchases.`;
  if (card.default) return 'The card you added most recently becomes the default for renewals and purchases.';
  return 'Your default card stays as it is.';
}
