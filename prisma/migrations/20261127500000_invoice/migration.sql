-- The invoice catalog: a customer's invoice, its lines (description, quantity, unit amount in the
-- currency's minor unit) and their computed total. Invoices are never hard-deleted: a draft deleted
-- remotely stays as a tombstone (deleted_at), like customers.

-- CreateEnum
CREATE TYPE "invoice_status" AS ENUM ('DRAFT', 'OPEN', 'PAID', 'VOID', 'UNCOLLECTIBLE');

-- CreateTable
CREATE TABLE "invoice" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "currency" TEXT NOT NULL,
    "status" "invoice_status" NOT NULL DEFAULT 'DRAFT',
    "lines" JSONB NOT NULL,
    "total" INTEGER NOT NULL,
    "due_date" DATE,
    "metadata" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "invoice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "invoice_customer_id_created_at_id_idx" ON "invoice"("customer_id", "created_at", "id");
CREATE INDEX "invoice_created_at_id_idx" ON "invoice"("created_at", "id");

-- AddForeignKey
ALTER TABLE "invoice" ADD CONSTRAINT "invoice_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
