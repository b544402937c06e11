import { assertCurrency, assertSafeInteger, addMoney, type Money, money, multiplyMoney } from './money.ts';

export type { Money } from './money.ts';

/** One version of a contract's rates; every amount is in minor units of `currency`. */
export interface ContractRates {
  readonly version: number;
  /** ISO 4217, e.g. 'EUR', 'JPY', 'BHD'. */
  readonly currency: string;
  readonly perParticipantMinute: number;
  readonly tollFreeSurchargePerMinute: number;
  readonly recordingPerMinute: number;
  readonly minimumChargePerCall: number;
  /** Epoch ms from which these rates apply to calls that start then or later. */
  readonly effectiveFrom: number;
}

/**
 * A completed call. `participants` holds one entry per connection: a participant who left and
 * re-joined appears once per connection, with the same `participantId`.
 */
export interface CallToRate {
  readonly callId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly participants: readonly {
    participantId: string;
    tollFree: boolean;
    joinedAt: number;
    leftAt: number;
  }[];
  readonly recordingSeconds: number;
}

export type ChargeLineKind =
  'PARTICIPANT_MINUTES' | 'TOLL_FREE_SURCHARGE' | 'RECORDING' | 'MINIMUM_CHARGE_TOP_UP';

/** One line of a call's charge: `amount` = `quantity` × `unitPrice`. */
export interface ChargeLine {
  readonly kind: ChargeLineKind;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly amount: Money;
}

export interface CallCharge {
  readonly lines: readonly ChargeLine[];
  /** Sum of the lines; at least the contract's minimum charge. */
  readonly total: Money;
  readonly ratesVersion: number;
  /** Billable minutes of all participants, toll-free ones included. */
  readonly participantMinutes: number;
  /** The part of `participantMinutes` connected through the toll-free number. */
  readonly tollFreeMinutes: number;
  readonly recordingMinutes: number;
}

const MS_PER_MINUTE = 60_000;
const SECONDS_PER_MINUTE = 60;

/** ⌈dividend / divisor⌉ for a non-negative safe integer, without a binary fraction in between. */
function divideRoundingUp(dividend: number, divisor: number): number {
  const remainder = dividend % divisor;
  return (dividend - remainder) / divisor + (remainder > 0 ? 1 : 0);
}

/** Whole minutes, every started minute counting as a full one; 0 for no time at all (or less). */
export function billableMinutes(milliseconds: number): number {
  assertSafeInteger(milliseconds, 'milliseconds');
  return milliseconds <= 0 ? 0 : divideRoundingUp(milliseconds, MS_PER_MINUTE);
}

/**
 * Billable minutes of a call's participants.
 *
 * Rounding is per participant, not per connection: a participant's connected milliseconds are
 * summed over all their connections and the sum is rounded up to whole minutes once, so a
 * participant who drops and re-joins pays for the time they were connected, not for one extra
 * started minute per re-join (two 30 s connections are 1 minute, not 2). Toll-free and other
 * connections of the same participant are summed and rounded separately, because only the
 * toll-free ones carry the surcharge. A participant with no connected time has 0 minutes.
 * Connections of one participant are taken not to overlap (the bridge ignores a second join
 * while connected).
 */
function participantMinutesOf(call: CallToRate): {
  participantMinutes: number;
  tollFreeMinutes: number;
} {
  const connectedMs = { tollFree: new Map<string, number>(), regular: new Map<string, number>() };
  for (const connection of call.participants) {
    const where = `call ${call.callId}, participant ${connection.participantId}`;
    assertSafeInteger(connection.joinedAt, `joinedAt (${where})`);
    assertSafeInteger(connection.leftAt, `leftAt (${where})`);
    if (connection.leftAt < connection.joinedAt) {
      throw new RangeError(`${where}: left before joining`);
    }
    const sums = connection.tollFree ? connectedMs.tollFree : connectedMs.regular;
    const sum = (sums.get(connection.participantId) ?? 0) + connection.leftAt - connection.joinedAt;
    assertSafeInteger(sum, `connected milliseconds (${where})`);
    sums.set(connection.participantId, sum);
  }
  const totalMinutes = (sums: Map<string, number>): number => {
    let minutes = 0;
    for (const ms of sums.values()) minutes += billableMinutes(ms);
    assertSafeInteger(minutes, `participant minutes (call ${call.callId})`);
    return minutes;
  };
  const tollFreeMinutes = totalMinutes(connectedMs.tollFree);
  const participantMinutes = tollFreeMinutes + totalMinutes(connectedMs.regular);
  assertSafeInteger(participantMinutes, `participant minutes (call ${call.callId})`);
  return { participantMinutes, tollFreeMinutes };
}

function assertRates(rates: ContractRates): void {
  assertCurrency(rates.currency);
  assertSafeInteger(rates.version, 'rates version');
  assertSafeInteger(rates.effectiveFrom, 'rates effectiveFrom');
  for (const name of [
    'perParticipantMinute',
    'tollFreeSurchargePerMinute',
    'recordingPerMinute',
    'minimumChargePerCall',
  ] as const) {
    assertSafeInteger(rates[name], `rate ${name} (version ${rates.version})`);
    if (rates[name] < 0) {
      throw new RangeError(`rate ${name} (version ${rates.version}) is negative`);
    }
  }
}

function line(kind: ChargeLineKind, quantity: number, unitPrice: Money): ChargeLine {
  return { kind, quantity, unitPrice, amount: multiplyMoney(unitPrice, quantity) };
}

/**
 * Rates a completed call with `rates`, which should be the rates in effect when it started (see
 * {@link ratesInEffect}).
 *
 * - Participant minutes: each participant's connected time rounded up to whole minutes (summed
 *   over re-joins first, see {@link participantMinutesOf}), × `perParticipantMinute`. The line is
 *   there even at 0 minutes, so an invoice shows why a call cost only its minimum.
 * - Toll-free surcharge: the minutes of toll-free connections × `tollFreeSurchargePerMinute`,
 *   when there are any.
 * - Recording: `recordingSeconds` rounded up to whole minutes × `recordingPerMinute`, when any.
 * - Minimum charge top-up: one unit making up the difference when the lines above sum to less
 *   than `minimumChargePerCall`.
 *
 * Everything is integer minor units of the contract currency; an amount beyond
 * `Number.MAX_SAFE_INTEGER` throws instead of losing precision.
 */
export function rateCall(call: CallToRate, rates: ContractRates): CallCharge {
  assertRates(rates);
  assertSafeInteger(call.recordingSeconds, `recordingSeconds (call ${call.callId})`);
  if (call.recordingSeconds < 0) {
    throw new RangeError(`recordingSeconds (call ${call.callId}) is negative`);
  }
  const { participantMinutes, tollFreeMinutes } = participantMinutesOf(call);
  const recordingMinutes = divideRoundingUp(call.recordingSeconds, SECONDS_PER_MINUTE);
  const price = (amountMinor: number): Money => money(amountMinor, rates.currency);

  const lines: ChargeLine[] = [
    line('PARTICIPANT_MINUTES', participantMinutes, price(rates.perParticipantMinute)),
  ];
  if (tollFreeMinutes > 0) {
    lines.push(line('TOLL_FREE_SURCHARGE', tollFreeMinutes, price(rates.tollFreeSurchargePerMinute)));
  }
  if (recordingMinutes > 0) {
    lines.push(line('RECORDING', recordingMinutes, price(rates.recordingPerMinute)));
  }
  const usage = lines.reduce((sum, l) => addMoney(sum, l.amount), price(0));
  if (usage.amountMinor < rates.minimumChargePerCall) {
    lines.push(line('MINIMUM_CHARGE_TOP_UP', 1, price(rates.minimumChargePerCall - usage.amountMinor)));
  }
  const total = lines.reduce((sum, l) => addMoney(sum, l.amount), price(0));
  return {
    lines,
    total,
    ratesVersion: rates.version,
    participantMinutes,
    tollFreeMinutes,
    recordingMinutes,
  };
}

/**
 * The rates in effect at `at`: the version with the latest effectiveFrom <= at (ties: highest
 * version); undefined if none.
 */
export function ratesInEffect(history: readonly ContractRates[], at: number): ContractRates | undefined {
  let inEffect: ContractRates | undefined;
  for (const rates of history) {
    if (rates.effectiveFrom > at) continue;
    if (
      inEffect === undefined ||
      rates.effectiveFrom > inEffect.effectiveFrom ||
      (rates.effectiveFrom === inEffect.effectiveFrom && rates.version > inEffect.version)
    ) {
      inEffect = rates;
    }
  }
  return inEffect;
}
