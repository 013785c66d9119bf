-- A citizen who wrote by SMS or WhatsApp (docs/text-messages.md) has no tracking code, so their
-- short messages say which command to reply with instead of a link. It comes with the contact
-- (complaint.reporter_contact's by_text), which every citizen message waits for.
ALTER TABLE citizen_contacts ADD COLUMN by_text boolean NOT NULL DEFAULT false;
