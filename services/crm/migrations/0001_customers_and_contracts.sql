-- Customers and the versions of their contract rates. Amounts are in minor units of the currency.
CREATE TABLE customers (
  id                uuid        PRIMARY KEY,
  -- Registration order: the stable sort key of the customer list's cursor.
  seq               bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  name              text        NOT NULL,
  email             text        NOT NULL,
  phone             text,
  street            text        NOT NULL,
  postal_code       text        NOT NULL,
  city              text        NOT NULL,
  region            text,
  country           char(2)     NOT NULL,
  segment           text        NOT NULL,
  marketing_consent boolean     NOT NULL DEFAULT false,
  version           integer     NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_email ON customers (lower(email));
CREATE INDEX customers_segment ON customers (segment, seq);
CREATE INDEX customers_country ON customers (country, seq);

CREATE TABLE contract_rates (
  customer_id                    uuid        NOT NULL REFERENCES customers (id),
  version                        integer     NOT NULL,
  contract_id                    uuid        NOT NULL,
  currency                       char(3)     NOT NULL,
  per_participant_minute         bigint      NOT NULL CHECK (per_participant_minute >= 0),
  toll_free_surcharge_per_minute bigint      NOT NULL CHECK (toll_free_surcharge_per_minute >= 0),
  recording_per_minute           bigint      NOT NULL CHECK (recording_per_minute >= 0),
  minimum_charge_per_call        bigint      NOT NULL CHECK (minimum_charge_per_call >= 0),
  effective_from                 timestamptz NOT NULL,
  created_at                     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, version)
);
