-- Hand-written (Prisma's schema language needs a preview feature for operator classes):
-- customers(filter: { search }) matches a substring of the email or name, case-insensitively
-- (ILIKE '%…%'). Trigram GIN indexes answer that without scanning every live customer.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "customer_email_trgm_idx" ON "customer" USING GIN ("email" gin_trgm_ops) WHERE "deleted_at" IS NULL;
CREATE INDEX "customer_name_trgm_idx" ON "customer" USING GIN ("name" gin_trgm_ops) WHERE "deleted_at" IS NULL;
