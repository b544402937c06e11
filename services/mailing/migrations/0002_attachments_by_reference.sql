-- Attachments travel by reference: an invoice email keeps where billing serves its PDF and the
-- PDF's SHA-256, and the dispatcher fetches it when it sends the email. Rows queued before this
-- still hold the PDF itself in `attachment`.
ALTER TABLE outgoing_mail ADD COLUMN attachment_url text;
ALTER TABLE outgoing_mail ADD COLUMN attachment_sha256 char(64);
ALTER TABLE outgoing_mail ADD COLUMN attachment_type text;
