-- CreateEnum
CREATE TYPE "sync_status" AS ENUM ('PENDING', 'SYNCED', 'FAILED');

-- CreateTable
CREATE TABLE "customer" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "phone" TEXT,
    "address" JSONB,
    "metadata" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "id_mapping" (
    "id" UUID NOT NULL,
    "catalog" TEXT NOT NULL,
    "local_id" UUID NOT NULL,
    "remote_system" TEXT NOT NULL,
    "remote_id" TEXT,
    "status" "sync_status" NOT NULL DEFAULT 'PENDING',
    "last_synced_hash" TEXT,
    "last_synced_version" INTEGER,
    "last_remote_event_at" TIMESTAMPTZ(3),
    "last_synced_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "id_mapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_event" (
    "seq" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "processed_event" (
    "consumer" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("consumer","event_id")
);

-- CreateIndex
CREATE INDEX "customer_created_at_id_idx" ON "customer"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "id_mapping_remote_system_remote_id_key" ON "id_mapping"("remote_system", "remote_id");

-- CreateIndex
CREATE UNIQUE INDEX "id_mapping_catalog_local_id_remote_system_key" ON "id_mapping"("catalog", "local_id", "remote_system");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_event_id_key" ON "outbox_event"("event_id");

-- Hand-written (Prisma's schema language cannot express partial indexes):
-- emails are unique among live customers only, so a deleted customer's email can be reused.
CREATE UNIQUE INDEX "customer_email_live_key" ON "customer"("email") WHERE "deleted_at" IS NULL;

-- The relay scans only what is still to be published.
CREATE INDEX "outbox_event_unpublished_idx" ON "outbox_event"("seq") WHERE "published_at" IS NULL;
