import { Inject, Injectable } from '@nestjs/common';
import { cursorPart, decodeCursor, type Page, pageOf } from '@switchboard/domain';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { z } from 'zod';
import type { Contact } from '../contacts/contacts.repository.ts';
import type {
  Campaign,
  CampaignCounts,
  CampaignStatus,
  CampaignSummary,
  CreateCampaign,
  ListCampaignsQuery,
  Recipient,
  RecipientState,
} from './dto/campaign.dto.ts';

interface CampaignRow {
  id: string;
  seq: string;
  name: string;
  letter_template: string;
  notice_subject: string;
  notice_template: string;
  segments: string[] | null;
  countries: string[] | null;
  expected_delivery_date: string;
  status: CampaignStatus;
  trace_context: Record<string, string> | string;
  created_at: Date;
  completed_at: Date | null;
}

interface CountsRow {
  recipients: number;
  letters_printed: number;
  notices_sent: number;
  skipped_no_consent: number;
  failed: number;
  open: number;
}

interface RecipientRow {
  customer_id: string;
  state: RecipientState;
  printed_at: Date | null;
  notice_sent_at: Date | null;
  error: string | null;
}

const iso = (value: Date | null): string | null => (value === null ? null : new Date(value).toISOString());

const jsonOf = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

function toCounts(row: CountsRow | undefined): CampaignCounts & { open: number } {
  return {
    lettersPrinted: row?.letters_printed ?? 0,
    noticesSent: row?.notices_sent ?? 0,
    skippedNoConsent: row?.skipped_no_consent ?? 0,
    failed: row?.failed ?? 0,
    recipients: row?.recipients ?? 0,
    open: row?.open ?? 0,
  };
}

function toSummary(row: CampaignRow, counts: CampaignCounts): CampaignSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    letter: { template: row.letter_template },
    notice: { subject: row.notice_subject, template: row.notice_template },
    audience: {
      segments: row.segments as CampaignSummary['audience']['segments'],
      countries: row.countries,
    },
    expectedDeliveryDate: row.expected_delivery_date,
    counts,
    createdAt: new Date(row.created_at).toISOString(),
    completedAt: iso(row.completed_at),
  };
}

function toRecipient(row: RecipientRow): Recipient {
  return {
    customerId: row.customer_id,
    state: row.state,
    printedAt: iso(row.printed_at),
    noticeSentAt: iso(row.notice_sent_at),
    error: row.error,
  };
}

/** Counts of one campaign's recipients; `open` are those not done yet (PENDING or PRINTED). */
const COUNTS = `
  count(*)::int AS recipients,
  (count(*) FILTER (WHERE printed_at IS NOT NULL))::int AS letters_printed,
  (count(*) FILTER (WHERE state = 'NOTICE_SENT'))::int AS notices_sent,
  (count(*) FILTER (WHERE state = 'SKIPPED_NO_CONSENT'))::int AS skipped_no_consent,
  (count(*) FILTER (WHERE state = 'FAILED'))::int AS failed,
  (count(*) FILTER (WHERE state IN ('PENDING', 'PRINTED')))::int AS open`;

/** A recipient due for its letter, with what the letter and the notice are made from. */
export interface DueRecipient {
  readonly campaignId: string;
  readonly campaignName: string;
  readonly customerId: string;
  readonly letterId: string;
  /** The contact as it was when the campaign was created. */
  readonly contact: Contact;
  /** Failed attempts at its letter so far. */
  readonly attempts: number;
  readonly letterTemplate: string;
  readonly noticeSubject: string;
  readonly noticeTemplate: string;
  readonly expectedDeliveryDate: string;
  readonly trace: Readonly<Record<string, string>>;
}

interface DueRow {
  campaign_id: string;
  campaign_name: string;
  customer_id: string;
  letter_id: string;
  contact: Contact | string;
  attempts: number;
  letter_template: string;
  notice_subject: string;
  notice_template: string;
  expected_delivery_date: string;
  trace_context: Record<string, string> | string;
}

const cursorShape = z.tuple([cursorPart.seq]);

@Injectable()
export class CampaignsRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  async insert(
    tx: SqlExecutor,
    id: string,
    input: CreateCampaign,
    trace: Readonly<Record<string, string>>,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO campaigns (id, name, letter_template, notice_subject, notice_template, segments, countries,
         expected_delivery_date, status, trace_context)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'RUNNING', $9::jsonb)`,
      [
        id,
        input.name,
        input.letter.template,
        input.notice.subject,
        input.notice.template,
        input.audience.segments ?? null,
        input.audience.countries ?? null,
        input.expectedDeliveryDate,
        JSON.stringify(trace),
      ],
    );
  }

  /**
   * Makes every contact that matches the campaign's audience one of its recipients, with a copy of
   * its contact data as it is now. Returns how many there are.
   */
  async snapshotAudience(tx: SqlExecutor, campaignId: string, input: CreateCampaign): Promise<number> {
    const { rows } = await tx.query(
      `INSERT INTO campaign_recipients (campaign_id, customer_id, letter_id, contact, state)
       SELECT $1, customer_id, gen_random_uuid(),
         jsonb_build_object(
           'customerId', customer_id, 'name', name, 'email', email, 'phone', phone,
           'address', jsonb_build_object('street', street, 'postalCode', postal_code, 'city', city,
                                         'region', region, 'country', country),
           'segment', segment, 'marketingConsent', marketing_consent),
         'PENDING'
       FROM contacts
       WHERE ($2::text[] IS NULL OR segment = ANY($2::text[]))
         AND ($3::text[] IS NULL OR country = ANY($3::text[]))
       ORDER BY customer_id
       RETURNING customer_id`,
      [campaignId, input.audience.segments ?? null, input.audience.countries ?? null],
    );
    return rows.length;
  }

  async get(id: string, tx: SqlExecutor = this.db): Promise<Campaign | undefined> {
    const { rows } = await tx.query<CampaignRow>('SELECT * FROM campaigns WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) return undefined;
    const { open: _open, ...counts } = await this.counts(tx, id);
    const recipients = await tx.query<RecipientRow>(
      `SELECT customer_id, state, printed_at, notice_sent_at, error FROM campaign_recipients
       WHERE campaign_id = $1 ORDER BY seq`,
      [id],
    );
    return { ...toSummary(row, counts), recipients: recipients.rows.map(toRecipient) };
  }

  async list(query: ListCampaignsQuery): Promise<Page<CampaignSummary>> {
    const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, cursorShape)[0];
    const { rows } = await this.db.query<CampaignRow & CountsRow>(
      `SELECT c.*, counts.* FROM campaigns c,
         LATERAL (SELECT ${COUNTS} FROM campaign_recipients r WHERE r.campaign_id = c.id) counts
       WHERE c.seq > $1 AND ($2::text IS NULL OR c.status = $2)
       ORDER BY c.seq LIMIT $3`,
      [after, query.status ?? null, query.limit + 1],
    );
    return pageOf(
      rows,
      query.limit,
      (row) => {
        const { open: _open, ...counts } = toCounts(row);
        return toSummary(row, counts);
      },
      (row) => [Number(row.seq)],
    );
  }

  /** Counts of a campaign's recipients by how far they got. */
  async counts(tx: SqlExecutor, campaignId: string): Promise<CampaignCounts & { open: number }> {
    const { rows } = await tx.query<CountsRow>(
      `SELECT ${COUNTS} FROM campaign_recipients WHERE campaign_id = $1`,
      [campaignId],
    );
    return toCounts(rows[0]);
  }

  /**
   * Locks a campaign's row for the rest of the transaction and returns its name and status. Every
   * change of a recipient's state takes this lock first, so two transactions finishing the last
   * two recipients cannot both miss that the campaign is done.
   */
  async lock(
    tx: SqlExecutor,
    campaignId: string,
  ): Promise<{ name: string; status: CampaignStatus } | undefined> {
    const { rows } = await tx.query<{ name: string; status: CampaignStatus }>(
      'SELECT name, status FROM campaigns WHERE id = $1 FOR UPDATE',
      [campaignId],
    );
    return rows[0];
  }

  /** Marks a running campaign COMPLETED, returning when; undefined when it was completed already. */
  async complete(tx: SqlExecutor, campaignId: string): Promise<Date | undefined> {
    const { rows } = await tx.query<{ completed_at: Date }>(
      `UPDATE campaigns SET status = 'COMPLETED', completed_at = now()
       WHERE id = $1 AND status = 'RUNNING' RETURNING completed_at`,
      [campaignId],
    );
    return rows[0] ? new Date(rows[0].completed_at) : undefined;
  }

  /** The next recipient whose letter is due: of the oldest running campaign, in recipient order. */
  async nextDue(session: SqlExecutor): Promise<DueRecipient | undefined> {
    const { rows } = await session.query<DueRow>(
      `SELECT r.campaign_id, c.name AS campaign_name, r.customer_id, r.letter_id, r.contact, r.attempts,
         c.letter_template, c.notice_subject, c.notice_template, c.expected_delivery_date, c.trace_context
       FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
       WHERE c.status = 'RUNNING' AND r.state = 'PENDING' AND r.next_attempt_at <= now()
       ORDER BY c.seq, r.seq LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      campaignId: row.campaign_id,
      campaignName: row.campaign_name,
      customerId: row.customer_id,
      letterId: row.letter_id,
      contact: jsonOf(row.contact),
      attempts: row.attempts,
      letterTemplate: row.letter_template,
      noticeSubject: row.notice_subject,
      noticeTemplate: row.notice_template,
      expectedDeliveryDate: row.expected_delivery_date,
      trace: jsonOf(row.trace_context),
    };
  }

  /**
   * Moves a recipient from one state to another, returning false when it was not in `from` (so a
   * repeated transition changes nothing).
   */
  async transition(
    tx: SqlExecutor,
    campaignId: string,
    customerId: string,
    from: readonly RecipientState[],
    to: RecipientState,
    error: string | null = null,
  ): Promise<boolean> {
    const { rows } = await tx.query(
      `UPDATE campaign_recipients SET state = $4,
         printed_at = CASE WHEN $4 = 'PRINTED' THEN now() ELSE printed_at END,
         notice_sent_at = CASE WHEN $4 = 'NOTICE_SENT' THEN now() ELSE notice_sent_at END,
         error = CASE WHEN $4 = 'PRINTED' THEN NULL ELSE COALESCE($5, error) END
       WHERE campaign_id = $1 AND customer_id = $2 AND state = ANY($3::text[])
       RETURNING customer_id`,
      [campaignId, customerId, from, to, error],
    );
    return rows.length > 0;
  }

  /** Records a failed attempt at a recipient's letter; it is tried again after `delayMs`. */
  async retryLater(campaignId: string, customerId: string, error: string, delayMs: number): Promise<void> {
    await this.db.query(
      `UPDATE campaign_recipients SET attempts = attempts + 1, error = $3,
         next_attempt_at = now() + $4 * interval '1 millisecond'
       WHERE campaign_id = $1 AND customer_id = $2 AND state = 'PENDING'`,
      [campaignId, customerId, error, delayMs],
    );
  }
}
