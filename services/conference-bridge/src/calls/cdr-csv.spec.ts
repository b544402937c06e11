import { describe, expect, it } from 'vitest';
import { type AssembledCall, assembleCall } from './call-assembly.ts';
import { callEventSchema } from './call-events.ts';
import { CDR_COLUMNS, type CdrCall, parseCdrCsv } from './cdr-csv.ts';

const HEADER = CDR_COLUMNS.join(',');

/** A row in the standard column order; instants are given as minutes after 09:00 UTC or verbatim. */
function row(fields: {
  call?: string;
  code?: string;
  start?: string;
  end?: string;
  participant?: string;
  caller?: string;
  tollFree?: string;
  joined?: string;
  left?: string;
  recording?: string;
}): string {
  return [
    fields.call ?? 'C1',
    fields.code ?? '12345678',
    fields.start ?? '2026-11-23T09:00:00Z',
    fields.end ?? '2026-11-23T10:00:00Z',
    fields.participant ?? 'alice',
    fields.caller ?? '+441234567890',
    fields.tollFree ?? 'false',
    fields.joined ?? '2026-11-23T09:00:00Z',
    fields.left ?? '2026-11-23T09:30:00Z',
    fields.recording ?? '0',
  ].join(',');
}

const file = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';
const utc = (time: string): number => Date.parse(`2026-11-23T${time}Z`);

/** Two calls: C1 with a drop and rejoin at the same instant and a recording, C2 in another zone. */
const GOOD = file(
  row({
    participant: 'alice',
    caller: '+441234567890',
    tollFree: 'TRUE',
    left: '2026-11-23T09:30:00Z',
    recording: '600',
  }),
  row({
    participant: 'bob',
    caller: '',
    tollFree: 'no',
    joined: '2026-11-23T09:05:00Z',
    left: '2026-11-23T10:00:00Z',
    recording: '600',
  }),
  row({
    participant: 'alice',
    caller: '+441234567890',
    tollFree: 'yes',
    joined: '2026-11-23T09:30:00Z',
    left: '2026-11-23T09:45:00Z',
    recording: '600',
  }),
  row({
    call: 'C2',
    code: '87654321',
    start: '2026-11-23T11:00:00+01:00',
    end: '2026-11-23T11:20:00+01:00',
    participant: 'carol',
    caller: '+33123456',
    tollFree: '0',
    joined: '2026-11-23T11:01:00+01:00',
    left: '2026-11-23T11:19:30.500+01:00',
    recording: '0',
  }),
);

const GOOD_CALLS: Record<string, AssembledCall> = {
  C1: {
    accessCode: '12345678',
    startedAt: utc('09:00:00'),
    endedAt: utc('10:00:00'),
    participants: [
      {
        participantId: 'alice',
        callerNumber: '+441234567890',
        tollFree: true,
        joinedAt: utc('09:00:00'),
        leftAt: utc('09:30:00'),
      },
      {
        participantId: 'bob',
        callerNumber: null,
        tollFree: false,
        joinedAt: utc('09:05:00'),
        leftAt: utc('10:00:00'),
      },
      {
        participantId: 'alice',
        callerNumber: '+441234567890',
        tollFree: true,
        joinedAt: utc('09:30:00'),
        leftAt: utc('09:45:00'),
      },
    ],
    recordingSeconds: 600,
  },
  C2: {
    accessCode: '87654321',
    startedAt: utc('10:00:00'),
    endedAt: utc('10:20:00'),
    participants: [
      {
        participantId: 'carol',
        callerNumber: '+33123456',
        tollFree: false,
        joinedAt: utc('10:01:00'),
        leftAt: utc('10:19:30.500'),
      },
    ],
    recordingSeconds: 0,
  },
};

/** What the service would make of each call's events. */
function assembled(calls: readonly CdrCall[]): Record<string, AssembledCall> {
  return Object.fromEntries(
    calls.map(({ callId, events }) => {
      const assembly = assembleCall(events);
      if (!assembly.complete) throw new Error(`call ${callId} is incomplete`);
      return [callId, assembly.call];
    }),
  );
}

const eventIds = (calls: readonly CdrCall[]): string[] =>
  calls.flatMap((call) => call.events.map((e) => e.eventId));

describe('parseCdrCsv', () => {
  it('reads a good file into events that assemble into exactly its calls', () => {
    const { calls, problems } = parseCdrCsv(GOOD);
    expect(problems).toEqual([]);
    expect(calls.map((call) => call.callId)).toEqual(['C1', 'C2']);
    expect(assembled(calls)).toEqual(GOOD_CALLS);
  });

  it('makes events that are valid call events on the wire', () => {
    const events = parseCdrCsv(GOOD).calls.flatMap((call) => call.events);
    for (const event of events) {
      expect(callEventSchema.parse({ ...event, at: new Date(event.at).toISOString() })).toEqual(event);
    }
  });

  it('reads the columns in any order, ignoring columns it does not know', () => {
    const [header = '', ...rows] = GOOD.trim().split('\n');
    const names = [...header.split(','), 'notes'];
    const order = names.map((_, i) => i).reverse();
    const reordered = [names, ...rows.map((line) => [...line.split(','), 'whatever'])]
      .map((fields) => order.map((i) => fields[i]).join(','))
      .join('\n');
    const { calls, problems } = parseCdrCsv(reordered);
    expect(problems).toEqual([]);
    expect(assembled(calls)).toEqual(GOOD_CALLS);
  });

  it('copes with a byte order mark, Windows line ends, blank lines and spaces around values', () => {
    const text = '\uFEFF' + GOOD.replaceAll(',', ' , ').replaceAll('\n', '\r\n\r\n');
    const { calls, problems } = parseCdrCsv(text);
    expect(problems).toEqual([]);
    expect(assembled(calls)).toEqual(GOOD_CALLS);
  });

  it('gives the same event ids for the same file read twice', () => {
    const first = eventIds(parseCdrCsv(GOOD).calls);
    expect(eventIds(parseCdrCsv(GOOD).calls)).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    expect(first.every((id) => /^cdr:[0-9a-f]{32}$/.test(id))).toBe(true);
  });

  it('gives the same event ids however the same instants are written', () => {
    const utcOnly = file(row({ start: '2026-11-23T09:00:00Z', joined: '2026-11-23T09:00:00.000Z' }));
    const withOffset = file(row({ start: '2026-11-23T10:00:00+01:00', joined: '2026-11-23T04:00:00-05:00' }));
    expect(eventIds(parseCdrCsv(withOffset).calls)).toEqual(eventIds(parseCdrCsv(utcOnly).calls));
  });

  it('gives other event ids when a row says something else', () => {
    const before = eventIds(parseCdrCsv(file(row({}))).calls);
    const after = eventIds(parseCdrCsv(file(row({ left: '2026-11-23T09:31:00Z' }))).calls);
    expect(after.filter((id) => before.includes(id))).toHaveLength(2); // the call's start and end
  });

  it('reports a missing column once, on the header line, and imports nothing', () => {
    const header = CDR_COLUMNS.filter((column) => column !== 'toll_free').join(',');
    const text = `${header}\nC1,12345678,2026-11-23T09:00:00Z,2026-11-23T10:00:00Z,alice,,2026-11-23T09:00:00Z,2026-11-23T09:30:00Z,0\n`;
    expect(parseCdrCsv(text)).toEqual({
      calls: [],
      problems: [{ line: 1, column: 'toll_free', message: 'the header has no column toll_free' }],
    });
  });

  it('reports a column named twice in the header and imports nothing', () => {
    const { calls, problems } = parseCdrCsv(`${HEADER},left_at\n${row({})},2026-11-23T09:40:00Z\n`);
    expect(calls).toEqual([]);
    expect(problems).toEqual([
      { line: 1, column: 'left_at', message: expect.stringContaining('more than once') as unknown },
    ]);
  });

  it('reports an empty file', () => {
    expect(parseCdrCsv('\n\n')).toEqual({
      calls: [],
      problems: [{ line: 1, message: expect.stringContaining('empty') as unknown }],
    });
  });

  it('accepts a file with a header and no rows', () => {
    expect(parseCdrCsv(`${HEADER}\n`)).toEqual({ calls: [], problems: [] });
  });

  it('names the line and column of a bad timestamp and of a bad toll_free, leaving out their call', () => {
    const { calls, problems } = parseCdrCsv(
      file(
        row({ participant: 'alice' }),
        row({ participant: 'bob', joined: '23/11/2026 09:10' }),
        row({ call: 'C2', participant: 'carol', tollFree: 'maybe' }),
        row({ call: 'C3', participant: 'dave' }),
      ),
    );
    expect(problems).toEqual([
      { line: 2, message: 'not imported: call C1 has problems on line 3' },
      {
        line: 3,
        column: 'joined_at',
        message:
          '"23/11/2026 09:10" is not a date and time with seconds and an offset, such as 2026-11-23T09:00:00Z',
      },
      { line: 4, column: 'toll_free', message: '"maybe" is not one of true, false, yes, no, 1, 0' },
    ]);
    expect(calls.map((call) => call.callId)).toEqual(['C3']);
  });

  it.each([
    ['access_code', { code: '1234x' }, '"1234x" is not an access code of 4 to 12 digits'],
    ['call_started_at', { start: '2026-11-23T09:00:00' }, 'is not a date and time'],
    ['participant_id', { participant: '' }, 'is empty; expected a participant id'],
    ['caller_number', { caller: '1'.repeat(41) }, 'at most 40 characters'],
    ['recording_seconds', { recording: '-5' }, 'a whole number of seconds'],
    ['recording_seconds', { recording: '2.5' }, 'a whole number of seconds'],
    [
      'call_ended_at',
      { end: '2026-11-23T08:00:00Z', joined: '2026-11-23T08:00:00Z', left: '2026-11-23T08:00:00Z' },
      'is before call_started_at',
    ],
    ['joined_at', { joined: '2026-11-23T08:59:59Z' }, 'is before the call started'],
    ['left_at', { left: '2026-11-23T10:00:01Z' }, 'is after the call ended'],
    ['left_at', { joined: '2026-11-23T09:30:00Z', left: '2026-11-23T09:20:00Z' }, 'is before joined_at'],
    ['recording_seconds', { recording: '3601' }, 'is longer than the call, which lasted 3600 seconds'],
  ])('reports a bad %s (%o)', (column, fields, message) => {
    const { calls, problems } = parseCdrCsv(file(row(fields)));
    expect(calls).toEqual([]);
    expect(problems).toContainEqual({
      line: 2,
      column,
      message: expect.stringContaining(message) as unknown,
    });
  });

  it('accepts a recording that lasts the call, rounded to the second', () => {
    const text = file(
      row({ end: '2026-11-23T09:00:59.600Z', left: '2026-11-23T09:00:59.600Z', recording: '60' }),
      row({ call: 'C2', end: '2026-11-23T09:00:59.400Z', left: '2026-11-23T09:00:59.400Z', recording: '60' }),
    );
    const { calls, problems } = parseCdrCsv(text);
    expect(problems).toEqual([
      { line: 3, column: 'recording_seconds', message: 'is longer than the call, which lasted 59 seconds' },
    ]);
    expect(assembled(calls).C1?.recordingSeconds).toBe(60);
  });

  it('reports rows of one call that disagree on the call, and leaves the call out', () => {
    const { calls, problems } = parseCdrCsv(
      file(
        row({ participant: 'alice', recording: '60' }),
        row({ call: 'C2', participant: 'carol' }),
        row({ participant: 'bob', code: '99999999', recording: '60' }),
        row({ participant: 'dave', end: '2026-11-23T11:00:00+01:00', recording: '60' }),
        row({ participant: 'erin', end: '2026-11-23T10:30:00Z', recording: '90' }),
      ),
    );
    expect(calls.map((call) => call.callId)).toEqual(['C2']);
    expect(problems).toEqual([
      { line: 2, message: 'not imported: call C1 has problems on lines 4, 6' },
      {
        line: 4,
        column: 'access_code',
        message: '"99999999" differs from "12345678" on line 2, a row of the same call',
      },
      // The same end as line 2's, written in another zone.
      { line: 5, message: 'not imported: call C1 has problems on lines 4, 6' },
      {
        line: 6,
        column: 'call_ended_at',
        message:
          '"2026-11-23T10:30:00Z" differs from "2026-11-23T10:00:00Z" on line 2, a row of the same call',
      },
      {
        line: 6,
        column: 'recording_seconds',
        message: '"90" differs from "60" on line 2, a row of the same call',
      },
    ]);
  });

  it('reports a participant connected twice at once', () => {
    const { calls, problems } = parseCdrCsv(
      file(
        row({ participant: 'alice', joined: '2026-11-23T09:00:00Z', left: '2026-11-23T09:50:00Z' }),
        row({ participant: 'alice', joined: '2026-11-23T09:10:00Z', left: '2026-11-23T09:20:00Z' }),
        row({ participant: 'alice', joined: '2026-11-23T09:40:00Z', left: '2026-11-23T10:00:00Z' }),
        row({ participant: 'bob', joined: '2026-11-23T09:10:00Z', left: '2026-11-23T09:20:00Z' }),
      ),
    );
    expect(calls).toEqual([]);
    expect(problems).toEqual([
      { line: 2, message: 'not imported: call C1 has problems on lines 3, 4' },
      {
        line: 3,
        column: 'joined_at',
        message: 'participant alice is still connected then, according to line 2',
      },
      {
        line: 4,
        column: 'joined_at',
        message: 'participant alice is still connected then, according to line 2',
      },
      { line: 5, message: 'not imported: call C1 has problems on lines 3, 4' },
    ]);
  });

  it('accepts a connection of no length, which the call does not contain', () => {
    const { calls, problems } = parseCdrCsv(
      file(
        row({ participant: 'alice', joined: '2026-11-23T09:00:00Z', left: '2026-11-23T09:30:00Z' }),
        row({ participant: 'alice', joined: '2026-11-23T09:10:00Z', left: '2026-11-23T09:10:00Z' }),
      ),
    );
    expect(problems).toEqual([]);
    expect(assembled(calls).C1?.participants).toEqual([
      {
        participantId: 'alice',
        callerNumber: '+441234567890',
        tollFree: false,
        joinedAt: utc('09:00:00'),
        leftAt: utc('09:30:00'),
      },
    ]);
  });

  it('imports nothing when a row cannot be matched to a call', () => {
    const noCallId = parseCdrCsv(file(row({}), row({ call: '', participant: 'bob' })));
    expect(noCallId.calls).toEqual([]);
    expect(noCallId.problems).toEqual([
      { line: 3, column: 'call_id', message: 'is empty; expected a call id of 1 to 200 characters' },
      {
        line: 3,
        message:
          'no call was imported: the row on line 3 cannot be matched to a call, so any call could be missing it',
      },
    ]);

    const shortRow = parseCdrCsv(file(row({}), 'C1,12345678,2026-11-23T09:00:00Z'));
    expect(shortRow.calls).toEqual([]);
    expect(shortRow.problems).toContainEqual({ line: 3, message: 'has 3 fields where the header has 10' });
  });

  it('reports a file that is not valid CSV and imports nothing', () => {
    const { calls, problems } = parseCdrCsv(
      file(row({}), row({ participant: '"bob' }), row({ participant: 'carol' })),
    );
    expect(calls).toEqual([]);
    expect(problems).toContainEqual({
      line: 4,
      message: expect.stringMatching(/^cannot be read as CSV: /) as unknown,
    });
  });
});
