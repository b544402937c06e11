-- A call billing could not rate with the rates in effect at its start (an amount beyond what it
-- can represent, say) stays UNRATED with the reason, for review at GET /v1/calls/unrated; it is
-- tried again whenever new rates of its customer arrive, and never holds back the customer's other
-- calls or rates.
ALTER TABLE calls ADD COLUMN hold_reason text;
ALTER TABLE calls ADD COLUMN held_at timestamptz;
