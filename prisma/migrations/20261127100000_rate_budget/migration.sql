-- The shared request budget of each remote system and account (integrations/rate-budget): a token
-- bucket refilled by elapsed time, taken from by every integrations process.
-- CreateTable
CREATE TABLE "rate_budget" (
    "bucket" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "rate_per_second" DOUBLE PRECISION NOT NULL,
    "capacity" DOUBLE PRECISION NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_budget_pkey" PRIMARY KEY ("bucket")
);
