-- Durable backfill and reconcile runs (issue #11): executed inside the processes, resumable from
-- their cursor after a crash (a run whose lease has expired is taken over).
CREATE TYPE "sync_run_status" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

CREATE TABLE "sync_run" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "integration" TEXT NOT NULL,
    "catalog" TEXT NOT NULL DEFAULT 'customer',
    "status" "sync_run_status" NOT NULL DEFAULT 'PENDING',
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "options" JSONB NOT NULL DEFAULT '{}',
    "cursor" TEXT,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "seen" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "linked" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "report" JSONB,
    "error" TEXT,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_run_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "sync_run_status_kind_idx" ON "sync_run"("status", "kind");
CREATE INDEX "sync_run_created_at_id_idx" ON "sync_run"("created_at", "id");
