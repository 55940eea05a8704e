import { metrics } from '../../core/metrics/metrics.js';
import { deadLetter } from '../../core/kafka/dead-letter.js';
import { parseInboundChange, type InboundChange } from '../../core/events/inbound-change.js';
import type { SyncEventPublisher } from '../../core/events/sync-event-publisher.js';
import type { IncomingMessage, MessageBus, Subscription } from '../../core/kafka/bus.js';
import { subscribeWhenReady } from '../../core/kafka/subscribe-when-ready.js';
import { getLogger } from '../../core/logger.js';
import { applierOf, type InboundAppliers } from '../catalog/inbound-port.js';
import type { PrismaClient } from '../../core/db/prisma.js';
import pRetry from 'p-retry';
import { Prisma } from '../../core/db/prisma.js';
import { findLinkByRemote, markFailed } from '../../core/sync/link-store.js';
import { CatalogError } from '../errors.js';
import type { ConflictPolicy } from '../../core/sync/merge.js';

const log = getLogger('inbound');

export interface InboundConsumerOptions {
  bus: MessageBus;
  prisma: PrismaClient;
  /** Per catalog, how a remote snapshot is merged into it; changes of other catalogs are skipped. */
  catalogs: InboundAppliers;
  syncEvents: SyncEventPublisher;
  inboundTopic: string;
  deadLetterTopic: string;
  groupId?: string;
  /** Partitions of the inbound topic if it must be created. */
  partitions: number;
  /** Who wins when a field changed on both sides (SYNC_CONFLICT_POLICY). */
  conflictPolicy: ConflictPolicy;
}

/**
 * Merges remote snapshots (the inbound topic) into the catalog. Data the catalog rejects (a remote
 * customer without an email, an email another customer has, an invoice of an unknown customer) is dead-lettered; transient failures
 * (e.g. Postgres down) are retried, then redelivered.
 */
export function startInboundConsumer(options: InboundConsumerOptions): Subscription & { ready: Promise<void> } {
  async function handle(message: IncomingMessage): Promise<void> {
    let change: InboundChange;
    try {
      change = parseInboundChange(message.value);
    } catch (error) {
      log.error({ err: error, offset: message.offset }, 'malformed inbound change; dead-lettering it');
      await deadLetter(options.bus, options.deadLetterTopic, message, { integration: 'gateway', error: String(error), attempts: 1 });
      return;
    }
    const apply = applierOf(options.catalogs, change.catalog);
    if (!apply) return;
    const context = { eventId: change.id, integration: change.integration, remoteId: change.remoteId, kind: change.kind };
    const report = { catalog: change.catalog, integration: change.integration, remoteId: change.remoteId, causationId: change.id };
    try {
      // Transient failures (a deadlock, a lost connection) are retried here; what is left after
      // that is redelivered by Kafka. Anything else is permanent and dead-lettered below, so no
      // single message blocks its partition.
      const outcome = await pRetry(() => apply(change, { policy: options.conflictPolicy }), {
        retries: 4,
        minTimeout: 200,
        maxTimeout: 5_000,
        shouldRetry: ({ error }) => isTransient(error),
      });
      const { conflicts, ...summary } = outcome.result === 'duplicate' ? { ...outcome, conflicts: [] } : outcome;
      log.info({ ...context, ...summary, conflicts: conflicts.length }, 'inbound change handled');
      if (outcome.result === 'applied') {
        metrics.syncLatency.observe({ integration: change.integration, direction: 'inbound' }, Math.max(Date.now() - Date.parse(change.occurredAt), 0) / 1000);
        await options.syncEvents.publish({ ...report, type: 'INBOUND_APPLIED', entityId: outcome.entityId, status: 'SYNCED', message: `${change.catalog} ${outcome.action}` });
      }
      for (const conflict of conflicts) {
        await options.syncEvents.publish({
          ...report,
          type: 'CONFLICT_RESOLVED',
          ...(conflict.entityId ? { entityId: conflict.entityId } : {}),
          message: `${conflict.kind}${conflict.field ? ` ${conflict.field}` : ''}: ${conflict.winner === 'none' ? 'recorded' : `${conflict.winner} wins`} (${conflict.policy})`,
        });
      }
    } catch (error) {
      if (isTransient(error)) throw error;
      const reason = error instanceof CatalogError ? error.message : `cannot apply: ${(error as Error).message ?? String(error)}`;
      log.warn({ ...context, err: error }, 'inbound change cannot be applied; dead-lettering it');
      await deadLetter(options.bus, options.deadLetterTopic, message, { integration: change.integration, error: reason, attempts: 1 });
      const link = await findLinkByRemote(options.prisma, change.integration, change.remoteId);
      if (link) await markFailed(options.prisma, { catalog: link.catalog, localId: link.localId, remoteSystem: link.remoteSystem }, reason, 1);
      await options.syncEvents.publish({ ...report, ...(link ? { entityId: link.localId } : change.localId ? { entityId: change.localId } : {}), type: 'DEAD_LETTERED', status: 'FAILED', message: reason });
    }
  }

  return subscribeWhenReady(options.bus, [{ name: options.inboundTopic, partitions: options.partitions }], {
    groupId: options.groupId ?? 'catalog-gateway-inbound',
    topics: [options.inboundTopic],
    handler: handle,
  });
}

/**
 * Worth another try: lost connections (P1xxx), pool and transaction timeouts (P2024, P2028), write
 * conflicts and deadlocks (P2034), and errors that are not the database's verdict on the data.
 * Catalog validation and other known request errors are the data's fault: retrying cannot help.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof CatalogError) return false;
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code.startsWith('P1') || ['P2024', 'P2028', 'P2034'].includes(error.code);
  return !(error instanceof Prisma.PrismaClientValidationError);
}
