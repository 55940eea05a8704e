-- The base of each linked pair (the synced fields both sides last agreed on) replaces the hash of
-- the last synced state: existing links start with their last synced fields as their base.
ALTER TABLE "id_mapping" RENAME COLUMN "last_synced_fields" TO "base";
ALTER TABLE "id_mapping" DROP COLUMN "last_synced_hash";
ALTER TABLE "id_mapping" ADD COLUMN "field_marks" JSONB;
ALTER TABLE "id_mapping" ADD COLUMN "remote_mark" BIGINT;
ALTER TABLE "id_mapping" ADD COLUMN "pending_request" JSONB;
ALTER TABLE "id_mapping" ADD COLUMN "remote_account" TEXT;
ALTER TABLE "id_mapping" ADD COLUMN "remote_mode" TEXT;

-- Sync marks order remote snapshots against our own remote writes (hand-written: Prisma's schema
-- language has no sequences). Taken under the pair's lock, so their order is the order of events.
CREATE SEQUENCE "sync_mark_seq";

-- CreateEnum
CREATE TYPE "conflict_kind" AS ENUM ('FIELD', 'DELETE_VS_UPDATE', 'DUPLICATE_REMOTE', 'LINK_MISMATCH');

-- CreateTable
CREATE TABLE "sync_conflict" (
    "id" UUID NOT NULL,
    "catalog" TEXT NOT NULL,
    "entity_id" UUID,
    "integration" TEXT NOT NULL,
    "remote_id" TEXT,
    "kind" "conflict_kind" NOT NULL,
    "field" TEXT,
    "local_value" JSONB,
    "remote_value" JSONB,
    "winner" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_conflict_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sync_conflict_catalog_entity_id_created_at_idx" ON "sync_conflict"("catalog", "entity_id", "created_at");

-- CreateIndex
CREATE INDEX "sync_conflict_created_at_id_idx" ON "sync_conflict"("created_at", "id");
