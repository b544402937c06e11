-- mailing's view of crm's customers: where to write to, and whether they agreed to marketing mail.
CREATE TABLE contacts (
  customer_id        uuid        PRIMARY KEY,
  name               text        NOT NULL,
  email              text        NOT NULL,
  phone              text,
  street             text        NOT NULL,
  postal_code        text        NOT NULL,
  city               text        NOT NULL,
  region             text,
  country            text        NOT NULL,
  segment            text        NOT NULL,
  marketing_consent  boolean     NOT NULL,
  -- meta.occurredAt (epoch ms) of the event the row holds: an older event arriving late changes nothing.
  occurred_at        bigint      NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_audience ON contacts (segment, country);

-- mailing's own mail outbox: every email to send, sent by the dispatcher with retries.
CREATE TABLE outgoing_mail (
  id              uuid        PRIMARY KEY,
  -- booking:<reservationId>, invoice:<invoiceId>, notice:<campaignId>:<customerId>: one email each,
  -- however often the event that asks for it arrives.
  dedupe_key      text        NOT NULL UNIQUE,
  kind            text        NOT NULL CHECK (kind IN ('BOOKING_CONFIRMATION', 'INVOICE', 'CAMPAIGN_NOTICE')),
  customer_id     uuid        NOT NULL,
  -- What the email is about: the order, the invoice or the campaign.
  related_id      text        NOT NULL,
  -- Notices: the campaign whose recipient advances when the notice is sent.
  campaign_id     uuid,
  -- Null while the contact is not known yet (WAITING_FOR_CONTACT).
  to_address      text,
  subject         text        NOT NULL,
  body            text        NOT NULL,
  attachment_name text,
  attachment      bytea,
  -- The subject as mailing.message-sent carries it; null when it may hold personal data.
  event_subject   text,
  status          text        NOT NULL
                  CHECK (status IN ('WAITING_FOR_CONTACT', 'PENDING', 'SENT', 'FAILED')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  -- W3C trace context of what asked for the email: its send span continues that trace.
  trace_context   jsonb       NOT NULL DEFAULT '{}'::jsonb,
  correlation_id  text        NOT NULL,
  causation_id    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX outgoing_mail_unsent ON outgoing_mail (customer_id) WHERE status IN ('WAITING_FOR_CONTACT', 'PENDING');

CREATE TABLE campaigns (
  id                     uuid        PRIMARY KEY,
  -- Creation order: the stable sort key of the campaign list's cursor and of the runner.
  seq                    bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  name                   text        NOT NULL,
  letter_template        text        NOT NULL,
  notice_subject         text        NOT NULL,
  notice_template        text        NOT NULL,
  -- The audience filter; null matches any.
  segments               text[],
  countries              text[],
  expected_delivery_date text        NOT NULL,
  status                 text        NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED')),
  -- W3C trace context of the request that created it: letters are printed in that trace.
  trace_context          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at             timestamptz NOT NULL DEFAULT now(),
  completed_at           timestamptz
);
CREATE INDEX campaigns_running ON campaigns (seq) WHERE status = 'RUNNING';

-- The audience of a campaign, fixed when it was created, and how far each recipient got.
CREATE TABLE campaign_recipients (
  campaign_id     uuid        NOT NULL REFERENCES campaigns (id),
  customer_id     uuid        NOT NULL,
  seq             bigint      GENERATED ALWAYS AS IDENTITY,
  -- messageId of the letter in mailing.message-sent.
  letter_id       uuid        NOT NULL UNIQUE,
  -- The contact as it was when the campaign was created; the letter is written from it.
  contact         jsonb       NOT NULL,
  state           text        NOT NULL
                  CHECK (state IN ('PENDING', 'PRINTED', 'NOTICE_SENT', 'SKIPPED_NO_CONSENT', 'FAILED')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  error           text,
  printed_at      timestamptz,
  notice_sent_at  timestamptz,
  PRIMARY KEY (campaign_id, customer_id)
);
CREATE INDEX campaign_recipients_pending ON campaign_recipients (campaign_id, seq) WHERE state = 'PENDING';

-- A retried POST /v1/campaigns with the same Idempotency-Key answers the campaign it created first.
CREATE TABLE idempotency_keys (
  key          text        PRIMARY KEY,
  request_hash text        NOT NULL,
  campaign_id  uuid        NOT NULL REFERENCES campaigns (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
