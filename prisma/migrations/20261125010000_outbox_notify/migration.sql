-- Wakes the outbox relay the moment a transaction that wrote outbox rows commits (NOTIFY is
-- delivered on commit, and several in one transaction collapse into one). The relay also polls
-- slowly, so a missed notification only delays publication, never loses it.
CREATE FUNCTION "notify_outbox_event"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_event', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "outbox_event_notify"
  AFTER INSERT ON "outbox_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_outbox_event"();
