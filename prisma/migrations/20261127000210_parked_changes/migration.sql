-- A pair that failed transiently is parked: its newest change waits in id_mapping and a scheduler
-- retries it, while its partition moves on.
ALTER TABLE "id_mapping" ADD COLUMN "parked_change" JSONB;
ALTER TABLE "id_mapping" ADD COLUMN "next_attempt_at" TIMESTAMPTZ(3);

-- The scheduler's scan: only parked pairs.
CREATE INDEX "id_mapping_next_attempt_at_idx" ON "id_mapping"("remote_system", "next_attempt_at") WHERE "status" = 'RETRYING';
