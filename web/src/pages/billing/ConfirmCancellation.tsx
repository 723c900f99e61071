import { ConfirmPanel, type ConfirmActions } from './ConfirmPanel.js';

/** "Cancel your subscription?", with what stops and when, before anything changes. */
export function ConfirmCancellation({ endDate, ...actions }: ConfirmActions & { endDate: string }) {
  return (
    <ConfirmPanel id="confirm-cancel-heading" question="Cancel your subscription?" confirm={{ label: 'Confirm cancellation', pendingLabel: 'Cancelling…' }} keep="Keep subscription" danger {...actions}>
      Plan-based billing and AI access stop at the end of the current term, on {endDate}. Until then nothing changes. Your data remains accessible
      for 30 days after cancellation so you can export it, and you can resume the subscription before the term ends.
    </ConfirmPanel>
  );
}
