import { describe, expect, it } from 'vitest';
import { formatMoney } from './money.ts';
import {
  billableMinutes,
  type CallToRate,
  type ChargeLineKind,
  type ContractRates,
  rateCall,
  ratesInEffect,
} from './rating.ts';

const at = (time: string): number => Date.parse(`2026-11-23T${time}Z`);

const EUR_RATES: ContractRates = {
  version: 3,
  currency: 'EUR',
  perParticipantMinute: 12,
  tollFreeSurchargePerMinute: 5,
  recordingPerMinute: 3,
  minimumChargePerCall: 200,
  effectiveFrom: Date.parse('2026-01-01T00:00:00Z'),
};

type Connection = CallToRate['participants'][number];

/** A connection from `from` to `to` (times of day on 2026-11-23, UTC). */
const connection = (participantId: string, from: string, to: string, tollFree = false): Connection => ({
  participantId,
  tollFree,
  joinedAt: at(from),
  leftAt: at(to),
});

const call = (participants: Connection[], recordingSeconds = 0): CallToRate => ({
  callId: 'c0ffee00-0000-4000-8000-000000000001',
  startedAt: at('09:00:00'),
  endedAt: at('10:00:00'),
  participants,
  recordingSeconds,
});

const lineOf = (kind: ChargeLineKind, charge: ReturnType<typeof rateCall>) =>
  charge.lines.find((line) => line.kind === kind);

describe('billableMinutes', () => {
  it('counts every started minute as a whole one', () => {
    expect(billableMinutes(61_000)).toBe(2);
    expect(billableMinutes(60_000)).toBe(1);
    expect(billableMinutes(59_999)).toBe(1);
    expect(billableMinutes(1)).toBe(1);
    expect(billableMinutes(120_000)).toBe(2);
  });

  it('is 0 for no connected time', () => {
    expect(billableMinutes(0)).toBe(0);
    expect(billableMinutes(-5)).toBe(0);
  });

  it('refuses a duration a number cannot hold exactly', () => {
    expect(() => billableMinutes(Number.MAX_SAFE_INTEGER + 2)).toThrow(/safe integer/);
    expect(() => billableMinutes(Number.NaN)).toThrow(/safe integer/);
  });
});

describe('rateCall', () => {
  it('charges a worked example line by line', () => {
    // alice:            09:00:00–09:10:30 = 630 s                        → 11 min
    // bob (toll-free):  09:00:00–09:03:30 and 09:05:00–09:07:20
    //                   = 210 s + 140 s = 350 s, summed before rounding  →  6 min (not 4 + 3)
    // carol:            joined and left at 09:05:00                      →  0 min
    // participant minutes   11 + 6 + 0 = 17 × 12 = 204
    // toll-free surcharge (bob)          6 ×  5 =  30
    // recording 601 s → 11 min          11 ×  3 =  33
    // total 204 + 30 + 33 = 267 (€2.67), above the minimum of 200: no top-up
    const charge = rateCall(
      call(
        [
          connection('alice', '09:00:00', '09:10:30'),
          connection('bob', '09:00:00', '09:03:30', true),
          connection('carol', '09:05:00', '09:05:00'),
          connection('bob', '09:05:00', '09:07:20', true),
        ],
        601,
      ),
      EUR_RATES,
    );

    const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
    expect(charge.lines).toEqual([
      { kind: 'PARTICIPANT_MINUTES', quantity: 17, unitPrice: eur(12), amount: eur(204) },
      { kind: 'TOLL_FREE_SURCHARGE', quantity: 6, unitPrice: eur(5), amount: eur(30) },
      { kind: 'RECORDING', quantity: 11, unitPrice: eur(3), amount: eur(33) },
    ]);
    expect(charge.total).toEqual(eur(267));
    expect(formatMoney(charge.total)).toBe('€2.67');
    expect(charge).toMatchObject({
      ratesVersion: 3,
      participantMinutes: 17,
      tollFreeMinutes: 6,
      recordingMinutes: 11,
    });
  });

  it('sums a re-joined participant’s connections before rounding up', () => {
    const charge = rateCall(
      call([connection('alice', '09:00:00', '09:00:30'), connection('alice', '09:10:00', '09:10:30')]),
      EUR_RATES,
    );
    // Two 30 s connections are one minute, not two.
    expect(charge.participantMinutes).toBe(1);
    expect(lineOf('PARTICIPANT_MINUTES', charge)?.amount.amountMinor).toBe(12);
  });

  it('rounds different participants separately', () => {
    const charge = rateCall(
      call([connection('alice', '09:00:00', '09:00:30'), connection('bob', '09:00:00', '09:00:30')]),
      EUR_RATES,
    );
    expect(charge.participantMinutes).toBe(2);
  });

  it('rounds a participant’s toll-free and other connections separately', () => {
    const charge = rateCall(
      call([connection('alice', '09:00:00', '09:00:30'), connection('alice', '09:01:00', '09:01:30', true)]),
      EUR_RATES,
    );
    expect(charge.participantMinutes).toBe(2);
    expect(charge.tollFreeMinutes).toBe(1);
    expect(lineOf('TOLL_FREE_SURCHARGE', charge)?.quantity).toBe(1);
  });

  it('adds the toll-free surcharge only for toll-free participants', () => {
    const mixed = rateCall(
      call([connection('alice', '09:00:00', '09:05:00'), connection('bob', '09:00:00', '09:03:00', true)]),
      EUR_RATES,
    );
    expect(lineOf('PARTICIPANT_MINUTES', mixed)?.quantity).toBe(8);
    expect(lineOf('TOLL_FREE_SURCHARGE', mixed)).toEqual({
      kind: 'TOLL_FREE_SURCHARGE',
      quantity: 3,
      unitPrice: { amountMinor: 5, currency: 'EUR' },
      amount: { amountMinor: 15, currency: 'EUR' },
    });

    const noTollFree = rateCall(call([connection('alice', '09:00:00', '09:20:00')]), EUR_RATES);
    expect(noTollFree.tollFreeMinutes).toBe(0);
    expect(noTollFree.lines.map((line) => line.kind)).toEqual(['PARTICIPANT_MINUTES']);
  });

  it('charges recording by started minute, and nothing without a recording', () => {
    const participants = [connection('alice', '09:00:00', '09:30:00')];
    const recorded = rateCall(call(participants, 61), EUR_RATES);
    expect(recorded.recordingMinutes).toBe(2);
    expect(lineOf('RECORDING', recorded)?.amount).toEqual({ amountMinor: 6, currency: 'EUR' });
    expect(rateCall(call(participants, 60), EUR_RATES).recordingMinutes).toBe(1);

    const unrecorded = rateCall(call(participants, 0), EUR_RATES);
    expect(unrecorded.recordingMinutes).toBe(0);
    expect(lineOf('RECORDING', unrecorded)).toBeUndefined();
  });

  it('tops a cheap call up to the minimum charge', () => {
    // 3 min × 12 = 36, below the minimum of 200: a top-up of 164.
    const charge = rateCall(call([connection('alice', '09:00:00', '09:02:01')]), EUR_RATES);
    expect(lineOf('MINIMUM_CHARGE_TOP_UP', charge)).toEqual({
      kind: 'MINIMUM_CHARGE_TOP_UP',
      quantity: 1,
      unitPrice: { amountMinor: 164, currency: 'EUR' },
      amount: { amountMinor: 164, currency: 'EUR' },
    });
    expect(charge.total.amountMinor).toBe(200);
  });

  it('charges a call nobody was connected to the minimum, explaining the 0 minutes', () => {
    const charge = rateCall(call([connection('alice', '09:05:00', '09:05:00')]), EUR_RATES);
    expect(charge.lines.map((line) => [line.kind, line.quantity, line.amount.amountMinor])).toEqual([
      ['PARTICIPANT_MINUTES', 0, 0],
      ['MINIMUM_CHARGE_TOP_UP', 1, 200],
    ]);
    expect(charge.total.amountMinor).toBe(200);
  });

  it('adds no top-up when the call reaches the minimum', () => {
    // 17 min × 12 = 204 ≥ 200
    const above = rateCall(call([connection('alice', '09:00:00', '09:17:00')]), EUR_RATES);
    expect(lineOf('MINIMUM_CHARGE_TOP_UP', above)).toBeUndefined();
    expect(above.total.amountMinor).toBe(204);

    const exactly = rateCall(call([connection('alice', '09:00:00', '09:10:00')]), {
      ...EUR_RATES,
      perParticipantMinute: 20,
    });
    expect(lineOf('MINIMUM_CHARGE_TOP_UP', exactly)).toBeUndefined();
    expect(exactly.total.amountMinor).toBe(200);
  });

  it('keeps amounts whole in a currency without minor units (JPY)', () => {
    const yen: ContractRates = {
      ...EUR_RATES,
      currency: 'JPY',
      perParticipantMinute: 15,
      tollFreeSurchargePerMinute: 4,
      recordingPerMinute: 2,
      minimumChargePerCall: 100,
    };
    // 2 participants × 42 min × 15 = 1,260; recording 5 min × 2 = 10; total ¥1,270
    const charge = rateCall(
      call([connection('alice', '09:00:00', '09:41:10'), connection('bob', '09:00:00', '09:42:00')], 300),
      yen,
    );
    expect(charge.total).toEqual({ amountMinor: 1270, currency: 'JPY' });
    expect(formatMoney(charge.total)).toBe(
      new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'JPY' }).format(1270),
    );
    expect(formatMoney(charge.total)).toMatch(/¥1,270$/);
  });

  it('keeps amounts whole in a currency with three decimals (BHD)', () => {
    const dinar: ContractRates = {
      ...EUR_RATES,
      currency: 'BHD',
      perParticipantMinute: 125, // 0.125 BHD
      tollFreeSurchargePerMinute: 0,
      recordingPerMinute: 0,
      minimumChargePerCall: 500,
    };
    // 9 min × 125 fils = 1,125 fils = BHD 1.125
    const charge = rateCall(call([connection('alice', '09:00:00', '09:08:30')]), dinar);
    expect(charge.total).toEqual({ amountMinor: 1125, currency: 'BHD' });
    expect(formatMoney(charge.total)).toMatch(/^BHD\s1\.125$/);
  });

  it('refuses amounts beyond the safe integer range rather than rounding them', () => {
    const huge = { ...EUR_RATES, perParticipantMinute: Math.floor(Number.MAX_SAFE_INTEGER / 2) };
    expect(() => rateCall(call([connection('alice', '09:00:00', '09:02:30')]), huge)).toThrow(/safe integer/);
    expect(() =>
      rateCall(call([connection('alice', '09:00:00', '09:01:00')]), {
        ...EUR_RATES,
        recordingPerMinute: 0.5,
      }),
    ).toThrow(/recordingPerMinute.*safe integer/);
  });

  it('refuses a connection that ends before it starts', () => {
    expect(() => rateCall(call([connection('alice', '09:10:00', '09:00:00')]), EUR_RATES)).toThrow(
      /alice: left before joining/,
    );
  });
});

describe('ratesInEffect', () => {
  const v1: ContractRates = {
    ...EUR_RATES,
    version: 1,
    perParticipantMinute: 10,
    effectiveFrom: Date.parse('2026-11-01T00:00:00Z'),
  };
  const v2: ContractRates = {
    ...EUR_RATES,
    version: 2,
    perParticipantMinute: 8,
    effectiveFrom: Date.parse('2026-11-15T00:00:00Z'),
  };
  const history = [v2, v1];

  /** What billing does with a completed call: the rates in effect when it started. */
  const rateAsOfStart = (completed: CallToRate) => {
    const rates = ratesInEffect(history, completed.startedAt);
    if (!rates) throw new Error('no rates in effect');
    return rateCall(completed, rates);
  };

  /** A 30-minute call of one participant, starting at `start`. */
  const halfHourCall = (start: string): CallToRate => {
    const startedAt = Date.parse(start);
    const endedAt = startedAt + 30 * 60_000;
    return {
      ...call([{ participantId: 'alice', tollFree: false, joinedAt: startedAt, leftAt: endedAt }]),
      startedAt,
      endedAt,
    };
  };

  it('rates a call with the rates in effect when it started, even across a mid-month change', () => {
    // Starts under v1, ends under v2: the whole call at v1's 10 a minute.
    const spanning = rateAsOfStart(halfHourCall('2026-11-14T23:50:00Z'));
    expect(spanning.ratesVersion).toBe(1);
    expect(spanning.total.amountMinor).toBe(300);

    const after = rateAsOfStart(halfHourCall('2026-11-20T10:00:00Z'));
    expect(after.ratesVersion).toBe(2);
    expect(after.total.amountMinor).toBe(240);
  });

  it('applies new rates from their effectiveFrom instant on', () => {
    expect(ratesInEffect(history, v2.effectiveFrom - 1)).toBe(v1);
    expect(ratesInEffect(history, v2.effectiveFrom)).toBe(v2);
  });

  it('has no rates before the first version took effect', () => {
    expect(ratesInEffect(history, v1.effectiveFrom - 1)).toBeUndefined();
    expect(ratesInEffect([], v1.effectiveFrom)).toBeUndefined();
  });

  it('takes the highest version among rates effective at the same instant', () => {
    const v3 = { ...v2, version: 3, perParticipantMinute: 7 };
    expect(ratesInEffect([v3, v2, v1], v2.effectiveFrom)).toBe(v3);
    expect(ratesInEffect([v1, v2, v3], v2.effectiveFrom)).toBe(v3);
  });
});
