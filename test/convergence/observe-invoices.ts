import type pg from 'pg';
import type Stripe from 'stripe';
import { InvoicesOfCustomer } from '../graphql/operations.js';
import { data } from '../support/graphql-client.js';
import type { MappingRow } from '../support/sync-tables.js';
import type { Observable } from './observe.js';
import type { OperationsLog } from './run-operations.js';

// What both sides hold of a scenario's invoices: the live local invoices of every local customer
// the scenario has seen (GraphQL, deleted customers included), the Stripe invoices of every Stripe
// customer it has seen (localstripe's list per customer), and the invoice mappings touching them.

export interface InvoiceView {
  id: string;
  /** The local customer id, or the Stripe customer id. */
  customerId: string;
  currency: string;
  status: string;
  /** Each line as `description|quantity|unitAmount`, in the order the side lists them. */
  lines: string[];
  /** Stripe only: metadata.local_id, where localstripe kept it. */
  localIdTag?: string;
}

export interface InvoiceSnapshot {
  locals: InvoiceView[];
  remotes: InvoiceView[];
  /** id_mapping rows of catalog 'invoice' for Stripe. */
  mappings: MappingRow[];
}

export const lineKey = (line: { description: string | null; quantity: number; unitAmount: number }) => `${line.description ?? ''}|${line.quantity}|${line.unitAmount}`;

/** A Stripe invoice line in the same shape: the exact quantity and unit amount ride in its metadata (as the adapter writes them). */
function stripeLineKey(line: Stripe.InvoiceLineItem): string {
  const quantity = Number(line.metadata?.quantity) || line.quantity || 1;
  const unitAmount = line.metadata?.unit_amount !== undefined ? Number(line.metadata.unit_amount) : Math.round(line.amount / quantity);
  return lineKey({ description: line.description, quantity, unitAmount });
}

async function localInvoices(rig: Observable, customerIds: string[]): Promise<InvoiceView[]> {
  const found: InvoiceView[] = [];
  for (const customerId of customerIds) {
    let after: string | null | undefined;
    do {
      const page = (await data(rig.gateway.url, InvoicesOfCustomer, { first: 100, after, customerId })).invoices;
      for (const { node } of page.edges) found.push({ id: node.id, customerId: node.customerId, currency: node.currency, status: node.status, lines: node.lines.map(lineKey) });
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
  }
  return found;
}

async function remoteInvoices(rig: Observable, customerIds: string[]): Promise<InvoiceView[]> {
  const found: InvoiceView[] = [];
  for (const customer of customerIds) {
    let startingAfter: string | undefined;
    for (;;) {
      const page: Stripe.ApiList<Stripe.Invoice> | undefined = await rig.stripe.invoices
        .list({ customer, limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) })
        .catch((error: unknown) => {
          if ((error as { statusCode?: number }).statusCode === 404) return undefined; // a deleted customer
          throw error;
        });
      if (!page) break;
      for (const invoice of page.data) {
        const localIdTag = invoice.metadata?.local_id || undefined;
        found.push({ id: invoice.id, customerId: customer, currency: invoice.currency, status: invoice.status ?? 'draft', lines: invoice.lines.data.map(stripeLineKey), ...(localIdTag ? { localIdTag } : {}) });
      }
      if (!page.has_more || page.data.length === 0) break;
      startingAfter = page.data.at(-1)!.id;
    }
  }
  return found;
}

async function invoiceMappings(sql: pg.Pool, localIds: string[], remoteIds: string[]): Promise<MappingRow[]> {
  const { rows } = await sql.query<{ local_id: string; remote_id: string | null; status: string }>(
    `SELECT local_id::text, remote_id, status::text FROM id_mapping
      WHERE catalog = 'invoice' AND remote_system = 'stripe' AND (local_id::text = ANY($1) OR remote_id = ANY($2))
      ORDER BY local_id, remote_id`,
    [localIds, remoteIds],
  );
  return rows.map((row) => ({ localId: row.local_id, remoteId: row.remote_id, status: row.status }));
}

/** The invoices of the customers with these ids (all the scenario has seen), and their mappings. */
export async function snapshotInvoices(rig: Observable, log: OperationsLog, customers: { localIds: string[]; remoteIds: string[] }): Promise<InvoiceSnapshot> {
  const locals = await localInvoices(rig, customers.localIds);
  const remotes = await remoteInvoices(rig, customers.remoteIds);
  const acknowledged = log.invoices ?? [];
  const localIds = [...new Set([...locals.map((invoice) => invoice.id), ...acknowledged.flatMap((invoice) => (invoice.localId ? [invoice.localId] : []))])];
  const remoteIds = [...new Set([...remotes.map((invoice) => invoice.id), ...acknowledged.flatMap((invoice) => (invoice.remoteId ? [invoice.remoteId] : []))])];
  return { locals, remotes, mappings: await invoiceMappings(rig.sql, localIds, remoteIds) };
}
