-- The mapped fields last written to or read from the remote system: lets an adapter unset what the
-- catalog removed (Stripe keeps metadata keys an update does not mention).
ALTER TABLE "id_mapping" ADD COLUMN "last_synced_fields" JSONB;
