-- Transient failures retry without limit (RETRYING). Its own migration: Postgres cannot use an enum
-- value in the transaction that adds it.
ALTER TYPE "sync_status" ADD VALUE 'RETRYING';
