import { expect } from 'chai';
import type { DeliveryStatus, SendOutcome } from '../../schemas/delivery.schema.js';
import { confirmationDedupeKey, preferencesOrDefault, reminderDedupeKey, reminderPayload } from '../../server/push/push-messages.js';
import { attemptResponse, compareQueueKeys, leaseExpiry, outcomeFields, settlesCarriedDeliveries } from '../../server/push/queue-rules.js';

const AT = '2026-05-01T00:00:00.000Z';
const outcome = (overrides: Partial<SendOutcome>): SendOutcome => ({
  ref: { source: 'message', id: 1 },
  channel: 'email',
  outcome: 'sent',
  attempt: 1,
  errorClass: null,
  response: '250 ok',
  account: 'smtp-a',
  dryRun: false,
  durationMs: 3,
  nextAttemptAt: null,
  ...overrides,
});

describe('push queue rules', () => {
  it('orders urgent work first, then the oldest due, then the oldest row', () => {
    const keys = [
      { urgent: false, due: '2026-05-01T00:01:00.000Z', id: 1 },
      { urgent: true, due: '2026-05-01T00:05:00.000Z', id: 2 },
      { urgent: false, due: '2026-05-01T00:00:00.000Z', id: 4 },
      { urgent: false, due: '2026-05-01T00:00:00.000Z', id: 3 },
    ];
    expect([...keys].sort(compareQueueKeys).map((k) => k.id)).to.deep.equal([2, 3, 4, 1]);
  });

  it('requeues an expired lease until the attempts are used up', () => {
    expect(leaseExpiry({ attempts: 2, maxAttempts: 3 })).to.deep.equal({ status: 'pending', errorClass: 'lease_expired' });
    expect(leaseExpiry({ attempts: 3, maxAttempts: 3 })).to.deep.equal({ status: 'failed_permanent', errorClass: 'attempts_exhausted' });
  });

  it('records a send without an error, and a failure without touching the recorded send time', () => {
    expect(outcomeFields({ outcome: outcome({}), at: AT })).to.deep.equal({ status: 'sent', lastError: null, errorClass: null, nextAttemptAt: null, dryRun: false, sentAt: AT });
    const retry = outcomeFields({ outcome: outcome({ outcome: 'failed_temporary', errorClass: 'timeout', response: '451 later', nextAttemptAt: AT }), at: AT });
    expect(retry).to.deep.equal({ status: 'failed_temporary', lastError: '451 later', errorClass: 'timeout', nextAttemptAt: AT, dryRun: false, sentAt: null });
  });

  it('settles a digest’s deliveries only on a final result, and bounds stored responses', () => {
    const statuses: DeliveryStatus[] = ['sent', 'failed_permanent', 'failed_temporary', 'skipped', 'pending'];
    expect(statuses.map(settlesCarriedDeliveries)).to.deep.equal([true, true, false, false, false]);
    expect(attemptResponse('x'.repeat(1500))).to.have.length(1000);
    expect(attemptResponse(null)).to.equal(null);
  });

  it('keys reminders and confirmations so each is sent once, and defaults preferences to reminders on', () => {
    expect(reminderDedupeKey({ policyId: 'p-1', subscriberId: 's-1', channel: 'email', daysBefore: 3 })).to.equal('reminder:p-1:s-1:email:3');
    expect(confirmationDedupeKey('c-1')).to.equal('confirm:c-1');
    expect(reminderPayload({ daysBefore: 3, closesAt: '2026-05-04', subscriptionIds: ['sub-1'], deliveryId: 9 })).to.deep.equal({ kind: 'reminder', daysBefore: 3, closesAt: '2026-05-04', subscriptionIds: ['sub-1'], deliveryId: 9 });
    expect(preferencesOrDefault(null)).to.deep.equal({ deadlineReminders: true });
    expect(preferencesOrDefault({ deadlineReminders: false })).to.deep.equal({ deadlineReminders: false });
  });
});
