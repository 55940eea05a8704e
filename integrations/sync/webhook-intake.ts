import { catalogOf } from '../../core/catalogs/index.js';
import type { PrismaClient } from '../../core/db/prisma.js';
import type { SyncEventPublisher } from '../../core/events/sync-event-publisher.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { getLogger } from '../../core/logger.js';
import { baseOf, findLink, findLinkByRemote, type Link, type RemoteAccount } from '../../core/sync/link-store.js';
import { diffFields } from '../../core/sync/merge.js';
import type { ReceivedChange, VerifiedWebhook, WebhookRequest } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { publishSnapshot, readPendingReferences, readRemoteSnapshot } from './remote-snapshot.js';

export interface WebhookIntakeDeps {
  prisma: PrismaClient;
  bus: MessageBus;
  syncEvents: SyncEventPublisher;
  inboundTopic: string;
  /** The remote account of each adapter, by adapter name (checked at start). */
  accounts: Map<string, RemoteAccount>;
}

export type IntakeOutcome =
  | { status: 'accepted'; published: number; suppressed: number }
  | { status: 'duplicate' };

/**
 * A verified webhook, deduplicated by event id. For each object it names, either an echo (the
 * event's state is exactly the pair's base: nothing to do, nothing read), or a fresh snapshot of
 * the object, read under its lock and published to the inbound topic for the gateway to merge.
 * Resolves only once that is on Kafka; a failure rejects, and the route answers 503 so the sender
 * retries.
 */
export async function takeWebhook(adapter: ResolvedAdapter, request: WebhookRequest, deps: WebhookIntakeDeps): Promise<IntakeOutcome> {
  const inbound = adapter.instance.inbound;
  if (!inbound) throw new Error(`integration ${adapter.name} takes no webhooks`);
  return takeRemoteEvent(adapter, await inbound.verify(request), deps); // verify throws WebhookRejectedError -> 400
}

/**
 * A remote event, from a webhook or from the catch-up reader of the remote event list: both feed
 * the same intake, deduplicated by event id.
 */
export async function takeRemoteEvent(adapter: ResolvedAdapter, webhook: VerifiedWebhook, deps: WebhookIntakeDeps): Promise<IntakeOutcome> {
  const log = getLogger(`webhook.${adapter.name}`);
  const consumer = `webhook.${adapter.name}`;
  const account = deps.accounts.get(adapter.name)!;

  const seen = await deps.prisma.processedEvent.findUnique({ where: { consumer_eventId: { consumer, eventId: webhook.eventId } } });
  if (seen) {
    log.info({ eventId: webhook.eventId }, 'duplicate webhook ignored');
    return { status: 'duplicate' };
  }

  let published = 0;
  let suppressed = 0;
  for (const [index, received] of webhook.changes.entries()) {
    if (!adapter.instance.catalogs[received.catalog]) continue; // not a catalog this adapter syncs
    const context = { eventId: webhook.eventId, remoteId: received.remoteId, integration: adapter.name, kind: received.kind };
    const link =
      (await findLinkByRemote(deps.prisma, adapter.name, received.remoteId)) ??
      (received.localId ? await findLink(deps.prisma, { catalog: received.catalog, localId: received.localId, remoteSystem: adapter.name }) : null);
    const report = { catalog: received.catalog, integration: adapter.name, remoteId: received.remoteId, causationId: webhook.eventId, ...(link ? { entityId: link.localId } : {}) };
    await deps.syncEvents.publish({ ...report, type: 'INBOUND_RECEIVED', message: `${received.catalog}.${received.kind}` });

    if (isEcho(link, received)) {
      log.info(context, 'echo of the agreed state; nothing to apply');
      await deps.syncEvents.publish({ ...report, type: 'ECHO_SUPPRESSED', message: `${received.catalog}.${received.kind} matches the agreed state` });
      suppressed += 1;
      continue;
    }
    const eventId = webhook.changes.length > 1 ? `${webhook.eventId}#${index}` : webhook.eventId;
    const snapshot = await readRemoteSnapshot(deps.prisma, adapter, account, { eventId, catalog: received.catalog, remoteId: received.remoteId, kind: received.kind, occurredAt: received.occurredAt });
    const referenced = await readPendingReferences(deps.prisma, adapter, account, snapshot);
    await publishSnapshot(deps.bus, deps.inboundTopic, snapshot, referenced);
    published += 1;
    if (referenced.length > 0) log.info({ ...context, referenced: referenced.map((each) => `${each.catalog} ${each.remoteId}`) }, 'published the snapshots of referenced objects not linked yet ahead of it');
    log.info({ ...context, mark: snapshot.mark, observed: snapshot.kind }, 'published remote snapshot');
  }

  // A concurrent delivery of the same event may have got here first: that is fine.
  await deps.prisma.processedEvent.createMany({ data: [{ consumer, eventId: webhook.eventId }], skipDuplicates: true });
  return { status: 'accepted', published, suppressed };
}

/**
 * The event shows the object exactly as both sides last agreed (our own write coming back, or a
 * no-op): any later change has an event of its own, so this one needs no read.
 */
function isEcho(link: Link | null, received: ReceivedChange): boolean {
  if (!link || link.remoteId !== received.remoteId) return false;
  if (received.kind === 'deleted') return link.base === null && link.status === 'SYNCED';
  if (!received.fields || link.base === null || link.catalog !== received.catalog) return false;
  // Reference fields are in remote terms here: an event that changes one is never taken for an echo.
  const contract = catalogOf(received.catalog);
  const references = Object.keys(contract.references);
  const base = baseOf(link);
  const carried = contract.remoteView(base, received.fields as never);
  const changed = Object.keys(diffFields(base, carried)).filter((key) => !references.includes(key));
  return changed.length === 0;
}
