-- Where a background reader of a remote system has got to (e.g. the catch-up from Stripe's events).
-- CreateTable
CREATE TABLE "sync_cursor" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_cursor_pkey" PRIMARY KEY ("name")
);
