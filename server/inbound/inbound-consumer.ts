import { deadLetter } from '../../core/kafka/dead-letter.js';
import { parseInboundChange, type InboundChange } from '../../core/events/inbound-change.js';
import type { SyncEventPublisher } from '../../core/events/sync-event-publisher.js';
import type { IncomingMessage, MessageBus, Subscription } from '../../core/kafka/bus.js';
import { subscribeWhenReady } from '../../core/kafka/subscribe-when-ready.js';
import { getLogger } from '../../core/logger.js';
import { applyInboundCustomerChange } from '../catalog/customers/apply-inbound.js';
import { CUSTOMER_CATALOG, type CustomerStore } from '../catalog/customers/customer-store.js';
import { CatalogError } from '../errors.js';
import type { ConflictPolicy } from '../../core/sync/merge.js';

const log = getLogger('inbound');

export interface InboundConsumerOptions {
  bus: MessageBus;
  customers: CustomerStore;
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
 * Applies changes from integrations (the inbound topic) to the catalog. Data the catalog rejects
 * (a remote customer without an email, an email another customer has) is dead-lettered; anything
 * else that fails (e.g. Postgres down) is redelivered.
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
    if (change.catalog !== CUSTOMER_CATALOG) return;
    const context = { eventId: change.id, integration: change.integration, remoteId: change.remoteId, kind: change.kind };
    const report = { catalog: change.catalog, integration: change.integration, remoteId: change.remoteId, causationId: change.id };
    try {
      const outcome = await applyInboundCustomerChange(options.customers, change, { policy: options.conflictPolicy });
      const { conflicts, ...summary } = outcome.result === 'duplicate' ? { ...outcome, conflicts: [] } : outcome;
      log.info({ ...context, ...summary, conflicts: conflicts.length }, 'inbound change handled');
      if (outcome.result === 'applied') {
        await options.syncEvents.publish({ ...report, type: 'INBOUND_APPLIED', entityId: outcome.customerId, status: 'SYNCED', message: `${change.catalog} ${outcome.action}` });
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
      if (!(error instanceof CatalogError)) throw error;
      log.warn({ ...context, err: error }, 'inbound change rejected by the catalog; dead-lettering it');
      await deadLetter(options.bus, options.deadLetterTopic, message, { integration: change.integration, error: error.message, attempts: 1 });
      await options.syncEvents.publish({ ...report, ...(change.localId ? { entityId: change.localId } : {}), type: 'DEAD_LETTERED', status: 'FAILED', message: error.message });
    }
  }

  return subscribeWhenReady(options.bus, [{ name: options.inboundTopic, partitions: options.partitions }], {
    groupId: options.groupId ?? 'catalog-gateway-inbound',
    topics: [options.inboundTopic],
    handler: handle,
  });
}
