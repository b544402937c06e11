import { createHash } from 'node:crypto';
import { CsvError, parse } from 'csv-parse/sync';
import { z } from 'zod';
import { type CallEvent, instantSchema } from './call-events.ts';

/** The events that reproduce one call of a legacy bridge's call-detail records. */
export interface CdrCall {
  readonly callId: string;
  readonly events: readonly CallEvent[];
  /** The file's lines of its rows (1-based). */
  readonly lines: readonly number[];
}

/** Something wrong with the file, at a 1-based line and, where it is about one value, its column. */
export interface CdrProblem {
  readonly line: number;
  readonly column?: string;
  readonly message: string;
}

/** The header names a call-detail record file must have, in any order (others are ignored). */
export const CDR_COLUMNS = [
  'call_id',
  'access_code',
  'call_started_at',
  'call_ended_at',
  'participant_id',
  'caller_number',
  'toll_free',
  'joined_at',
  'left_at',
  'recording_seconds',
] as const;
export type CdrColumn = (typeof CDR_COLUMNS)[number];

const rowSchema = z.object({
  call_id: z.string().min(1).max(200),
  access_code: z.string().regex(/^\d{4,12}$/),
  call_started_at: instantSchema,
  call_ended_at: instantSchema,
  participant_id: z.string().min(1).max(200),
  caller_number: z
    .string()
    .max(40)
    .transform((value) => (value === '' ? null : value)),
  toll_free: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', 'yes', 'no', '1', '0']))
    .transform((value) => value === 'true' || value === 'yes' || value === '1'),
  joined_at: instantSchema,
  left_at: instantSchema,
  // Fifteen digits at most keep the number exact.
  recording_seconds: z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
});
type CdrRow = z.output<typeof rowSchema>;

const INSTANT = 'a date and time with seconds and an offset, such as 2026-11-23T09:00:00Z';

/** What each column expects, in words a customer can act on. */
const EXPECTED: Record<CdrColumn, string> = {
  call_id: 'a call id of 1 to 200 characters',
  access_code: 'an access code of 4 to 12 digits',
  call_started_at: INSTANT,
  call_ended_at: INSTANT,
  participant_id: 'a participant id of 1 to 200 characters',
  caller_number: 'a phone number of at most 40 characters, or nothing',
  toll_free: 'one of true, false, yes, no, 1, 0',
  joined_at: INSTANT,
  left_at: INSTANT,
  recording_seconds: 'a whole number of seconds, 0 or more',
};

/** The columns every row of a call repeats, and so must agree on. */
const CALL_COLUMNS = ['access_code', 'call_started_at', 'call_ended_at', 'recording_seconds'] as const;

interface Row {
  readonly line: number;
  readonly raw: Readonly<Record<CdrColumn, string>>;
  /** Absent when a value is invalid. */
  readonly parsed: CdrRow | undefined;
  readonly problems: CdrProblem[];
}

/**
 * Reads a legacy bridge's call-detail records (one row per participant connection, a header row
 * first) into the call events that `assembleCall` turns back into each call: the same start,
 * end, access code, recording seconds and connections, less connections of no length, which a call
 * never contains. Event ids are derived from the call id and the row's content, so reading the
 * same records again yields the same ids and the service's deduplication makes a repeated upload
 * harmless.
 *
 * Nothing is imported half: a call with any bad row is left out, and every one of its rows is
 * reported. A row that cannot be matched to a call (unreadable CSV, the wrong number of fields, no
 * call id) could belong to any call, so then no call at all is imported. Besides a value's format,
 * a row is bad when its connection or recording does not fit in its call, when it disagrees with
 * another row of its call on a call-level column, or when it overlaps another connection of the
 * same participant in that call. A missing or repeated header column is reported once, and no call
 * is imported. A record with a quoted line break is reported at its last line.
 */
export function parseCdrCsv(text: string): {
  readonly calls: readonly CdrCall[];
  readonly problems: readonly CdrProblem[];
} {
  const { records, problems } = readRecords(text);
  const [header, ...body] = records;
  if (header === undefined) {
    if (problems.length === 0) {
      problems.push({
        line: 1,
        message: `the file is empty; its first line must name the columns ${CDR_COLUMNS.join(',')}`,
      });
    }
    return { calls: [], problems };
  }

  const headerProblems = checkHeader(header);
  if (headerProblems.length > 0) return { calls: [], problems: [...problems, ...headerProblems] };
  const position = new Map(header.fields.map((name, index) => [name, index]));

  // Rows that cannot be matched to a call make every call suspect of missing one.
  let unmatched = problems[0];
  const rowsByCall = new Map<string, Row[]>();
  for (const record of body) {
    if (record.fields.length !== header.fields.length) {
      const problem = {
        line: record.line,
        message: `has ${record.fields.length} fields where the header has ${header.fields.length}`,
      };
      problems.push(problem);
      unmatched ??= problem;
      continue;
    }
    const raw = Object.fromEntries(
      CDR_COLUMNS.map((column) => [column, record.fields[position.get(column) ?? -1] ?? '']),
    ) as Record<CdrColumn, string>;
    const row = readRow(record.line, raw);
    if (raw.call_id === '') {
      problems.push(...row.problems);
      unmatched ??= row.problems[0];
      continue;
    }
    const rows = rowsByCall.get(raw.call_id) ?? [];
    rows.push(row);
    rowsByCall.set(raw.call_id, rows);
  }

  const calls: CdrCall[] = [];
  for (const [callId, rows] of rowsByCall) {
    checkCall(rows);
    const badLines = rows.filter((row) => row.problems.length > 0).map((row) => row.line);
    if (badLines.length === 0) {
      calls.push({
        callId,
        events: eventsOf(
          callId,
          rows.map((row) => row.parsed).filter((row) => row !== undefined),
        ),
        lines: rows.map((row) => row.line),
      });
      continue;
    }
    for (const row of rows) {
      problems.push(
        ...(row.problems.length > 0
          ? row.problems
          : [
              {
                line: row.line,
                message: `not imported: call ${callId} has problems on ${lineList(badLines)}`,
              },
            ]),
      );
    }
  }

  if (unmatched !== undefined) {
    problems.push({
      line: unmatched.line,
      message: `no call was imported: the row on line ${unmatched.line} cannot be matched to a call, so any call could be missing it`,
    });
  }
  problems.sort((a, b) => a.line - b.line);
  return { calls: unmatched === undefined ? calls : [], problems };
}

interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

function readRecords(text: string): { records: CsvRecord[]; problems: CdrProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CdrProblem[] = [];
  const csvProblem = (error: unknown): CdrProblem => {
    const line = error instanceof CsvError && typeof error['lines'] === 'number' ? error['lines'] : 1;
    const reason = error instanceof Error ? error.message : String(error);
    return { line, message: `cannot be read as CSV: ${reason}` };
  };
  try {
    parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      // Reported per row by the caller, with the row's line, rather than failing the whole file.
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (error !== undefined) problems.push(csvProblem(error));
        return undefined;
      },
      on_record: (fields, context) => {
        records.push({ line: context.lines, fields });
        return fields;
      },
    });
  } catch (error) {
    problems.push(csvProblem(error));
  }
  return { records, problems };
}

function checkHeader(header: CsvRecord): CdrProblem[] {
  const problems: CdrProblem[] = [];
  const seen = new Set<string>();
  for (const name of header.fields) {
    if (seen.has(name) && (CDR_COLUMNS as readonly string[]).includes(name)) {
      problems.push({
        line: header.line,
        column: name,
        message: `the column ${name} appears more than once in the header`,
      });
    }
    seen.add(name);
  }
  for (const column of CDR_COLUMNS) {
    if (!seen.has(column)) {
      problems.push({ line: header.line, column, message: `the header has no column ${column}` });
    }
  }
  return problems;
}

function readRow(line: number, raw: Record<CdrColumn, string>): Row {
  const result = rowSchema.safeParse(raw);
  if (!result.success) {
    // One problem per column, however many of its rules the value breaks.
    const columns = new Set(result.error.issues.map((issue) => String(issue.path[0]) as CdrColumn));
    const problems = CDR_COLUMNS.filter((column) => columns.has(column)).map((column) => ({
      line,
      column,
      message:
        raw[column] === ''
          ? `is empty; expected ${EXPECTED[column]}`
          : `${JSON.stringify(raw[column])} is not ${EXPECTED[column]}`,
    }));
    return { line, raw, parsed: undefined, problems };
  }
  const row = result.data;
  const problems: CdrProblem[] = [];
  const problem = (column: CdrColumn, message: string): void => {
    problems.push({ line, column, message });
  };
  if (row.call_ended_at < row.call_started_at) problem('call_ended_at', 'is before call_started_at');
  if (row.joined_at < row.call_started_at)
    problem('joined_at', 'is before the call started (call_started_at)');
  if (row.left_at < row.joined_at) problem('left_at', 'is before joined_at');
  if (row.left_at > row.call_ended_at) problem('left_at', 'is after the call ended (call_ended_at)');
  const callSeconds = Math.max(0, Math.round((row.call_ended_at - row.call_started_at) / 1000));
  if (row.recording_seconds > callSeconds) {
    problem('recording_seconds', `is longer than the call, which lasted ${callSeconds} seconds`);
  }
  return { line, raw, parsed: row, problems };
}

/** Checks what can only be seen across the rows of one call, adding to each row's problems. */
function checkCall(rows: readonly Row[]): void {
  const valid = rows.flatMap((row) => (row.parsed === undefined ? [] : [{ row, parsed: row.parsed }]));
  const [first, ...others] = valid;
  if (first === undefined) return;
  for (const { row, parsed } of others) {
    for (const column of CALL_COLUMNS) {
      if (parsed[column] !== first.parsed[column]) {
        row.problems.push({
          line: row.line,
          column,
          message: `${JSON.stringify(row.raw[column])} differs from ${JSON.stringify(first.row.raw[column])} on line ${first.row.line}, a row of the same call`,
        });
      }
    }
  }

  const byParticipant = new Map<string, { row: Row; joinedAt: number; leftAt: number }[]>();
  for (const { row, parsed } of valid) {
    // A connection of no length takes up no time, so it cannot overlap another.
    if (parsed.left_at <= parsed.joined_at) continue;
    const stays = byParticipant.get(parsed.participant_id) ?? [];
    stays.push({ row, joinedAt: parsed.joined_at, leftAt: parsed.left_at });
    byParticipant.set(parsed.participant_id, stays);
  }
  for (const [participantId, stays] of byParticipant) {
    stays.sort((a, b) => a.joinedAt - b.joinedAt || a.row.line - b.row.line);
    // The stay reaching furthest so far, since a long one can overlap several that follow it.
    let furthest: (typeof stays)[number] | undefined;
    for (const stay of stays) {
      if (furthest !== undefined && stay.joinedAt < furthest.leftAt) {
        stay.row.problems.push({
          line: stay.row.line,
          column: 'joined_at',
          message: `participant ${participantId} is still connected then, according to line ${furthest.row.line}`,
        });
      }
      if (furthest === undefined || stay.leftAt > furthest.leftAt) furthest = stay;
    }
  }
}

function eventsOf(callId: string, rows: readonly CdrRow[]): CallEvent[] {
  const [call] = rows;
  if (call === undefined) return [];
  const { access_code: accessCode, call_started_at: startedAt, call_ended_at: endedAt } = call;
  const recordingSeconds = call.recording_seconds;
  const events: CallEvent[] = [
    {
      type: 'CALL_STARTED',
      eventId: eventId(callId, 'CALL_STARTED', startedAt, accessCode),
      at: startedAt,
      accessCode,
    },
  ];
  if (recordingSeconds > 0) {
    events.push(
      {
        type: 'RECORDING_STARTED',
        eventId: eventId(callId, 'RECORDING_STARTED', startedAt, recordingSeconds),
        at: startedAt,
      },
      {
        type: 'RECORDING_STOPPED',
        eventId: eventId(callId, 'RECORDING_STOPPED', startedAt, recordingSeconds),
        // Never after the end, where assembleCall would cut it: the row check allows rounding up.
        at: Math.min(startedAt + recordingSeconds * 1000, endedAt),
      },
    );
  }
  for (const row of rows) {
    // A connection of no length is no connection; its events could only confuse a rejoin.
    if (row.left_at <= row.joined_at) continue;
    const content = [
      row.participant_id,
      row.joined_at,
      row.left_at,
      row.caller_number,
      row.toll_free,
    ] as const;
    events.push(
      {
        type: 'PARTICIPANT_JOINED',
        eventId: eventId(callId, 'PARTICIPANT_JOINED', ...content),
        at: row.joined_at,
        participantId: row.participant_id,
        callerNumber: row.caller_number,
        tollFree: row.toll_free,
      },
      {
        type: 'PARTICIPANT_LEFT',
        eventId: eventId(callId, 'PARTICIPANT_LEFT', ...content),
        at: row.left_at,
        participantId: row.participant_id,
      },
    );
  }
  events.push({ type: 'CALL_ENDED', eventId: eventId(callId, 'CALL_ENDED', endedAt), at: endedAt });
  return events;
}

/**
 * `cdr:` and 32 hex digits of a SHA-256 over the call id and the event's content (instants as epoch
 * milliseconds, so writing the same instant with another offset changes nothing).
 */
function eventId(callId: string, ...content: readonly (string | number | boolean | null)[]): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['cdr', callId, ...content]))
    .digest('hex');
  return `cdr:${digest.slice(0, 32)}`;
}

function lineList(lines: readonly number[]): string {
  return lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(', ')}`;
}
