import {
  cancellationRefusal,
  chequeRefusal,
  ChequeFacts,
  lastCancellationDay,
} from './redemption.rules';

describe('redemption rules', () => {
  // 00:30 in Paris on 13 March 2026 is 23:30 UTC on the 12th.
  const atHalfPastMidnightParis = new Date('2026-03-12T23:30:00Z');
  const active = { status: 'ACTIVE', claimId: null, createdAt: atHalfPastMidnightParis };

  it('counts the cancellation delay in Paris days', () => {
    expect(lastCancellationDay(atHalfPastMidnightParis, 7)).toBe('2026-03-20');
    expect(cancellationRefusal(active, '2026-03-20', 7)).toBeNull();
    expect(cancellationRefusal(active, '2026-03-21', 7)).toBe('CANCELLATION_DELAY_PASSED');
    // summer time: 00:30 in Paris is 22:30 UTC the day before
    const summer = new Date('2026-07-01T22:30:00Z');
    expect(lastCancellationDay(summer, 0)).toBe('2026-07-02');
  });

  it('refuses a claimed or inactive redemption before looking at the delay', () => {
    expect(cancellationRefusal({ ...active, claimId: 'c' }, '2026-03-13', 7)).toBe(
      'REDEMPTION_CLAIMED',
    );
    expect(cancellationRefusal({ ...active, status: 'CANCELLED' }, '2026-03-13', 7)).toBe(
      'REDEMPTION_NOT_ACTIVE',
    );
  });

  it('refuses a cheque for the first reason that applies', () => {
    const facts: ChequeFacts = {
      id: 'x',
      code: 'ABCDEFGHJKMNPQ',
      status: 'ISSUED',
      face_value_cents: 1000,
      position: 1,
      booklet_number: 'CN-2026-000001',
      booklet_status: 'ACTIVE',
      valid_from: '2026-01-01',
      expires_on: '2026-12-31',
      activities: [],
      redeemed_on: null,
    };
    const refusal = (f: Partial<ChequeFacts> | undefined, today = '2026-03-13', session = today) =>
      chequeRefusal(facts.code, f && { ...facts, ...f }, today, session)?.refusal ?? null;
    expect(refusal({})).toBeNull();
    expect(refusal(undefined)).toBe('CHEQUE_UNKNOWN');
    expect(refusal({ status: 'REDEEMED' })).toBe('CHEQUE_ALREADY_REDEEMED');
    expect(refusal({ booklet_status: 'CANCELLED' })).toBe('CHEQUE_CANCELLED');
    expect(refusal({ booklet_status: 'IN_STOCK' })).toBe('CHEQUE_NOT_ACTIVATED');
    expect(refusal({}, '2027-01-01')).toBe('CHEQUE_EXPIRED');
    expect(refusal({}, '2026-03-13', '2025-12-31')).toBe('CHEQUE_NOT_YET_VALID');
  });
});
