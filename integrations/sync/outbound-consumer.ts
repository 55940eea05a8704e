import pRetry from 'p-retry';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseChangeEnvelope, type ChangeEnvelope } from '../../core/events/envelope.js';
import type { IncomingMessage, MessageBus, Subscription } from '../../core/kafka/bus.js';
import { subscribeWhenReady } from '../../core/kafka/subscribe-when-ready.js';
import { getLogger } from '../../core/logger.js';
import type { IdMapping } from '../../core/db/generated/client.js';
import type { MappingState } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { RetryableError } from '../registry/errors.js';
import { deadLetter } from '../../core/kafka/dead-letter.js';
import type { MappingStore } from './mapping-store.js';
import type { SyncEventPublisher } from '../../core/events/sync-event-publisher.js';

function mappingState(mapping: IdMapping): MappingState {
  const fields = mapping.lastSyncedFields;
  return {
    remoteId: mapping.remoteId,
    lastSyncedHash: mapping.lastSyncedHash,
    lastSyncedFields: fields && typeof fields === 'object' && !Array.isArray(fields) ? (fields as Record<string, unknown>) : null,
  };
}

export interface OutboundConsumerOptions {
  adapter: ResolvedAdapter;
  bus: MessageBus;
  mappings: MappingStore;
  syncEvents: SyncEventPublisher;
  changesTopic: string;
  deadLetterTopic: string;
  concurrency: number;
  /** Partitions of the changes topic if it must be created. */
  partitions: number;
  /** Prefix of the consumer group id (`<prefix>integration-<name>`). */
  groupPrefix?: string;
  /** Base delay of the exponential backoff between attempts (ms). */
  retryBaseMs?: number;
}

/**
 * One consumer group per integration (`integration-<name>`) on the catalog changes: applies each
 * change to the remote system with bounded retries, records the mapping, and reports every outcome.
 * A change that still fails is dead-lettered and its partition moves on.
 */
export function startOutboundConsumer(options: OutboundConsumerOptions): Subscription & { ready: Promise<void> } {
  const { adapter, mappings, syncEvents } = options;
  const log = getLogger(`outbound.${adapter.name}`);

  async function handle(message: IncomingMessage): Promise<void> {
    let change: ChangeEnvelope;
    try {
      change = parseChangeEnvelope(message.value);
    } catch (error) {
      log.error({ err: error, offset: message.offset, partition: message.partition }, 'malformed change event; dead-lettering it');
      await deadLetter(options.bus, options.deadLetterTopic, message, { integration: adapter.name, error: String(error), attempts: 0 });
      return;
    }
    if (!adapter.instance.catalogs.includes(change.catalog)) return;
    if (change.resyncFor !== undefined && change.resyncFor !== adapter.name) return;
    const context = { eventId: change.id, customerId: change.entityId, integration: adapter.name, version: change.version };

    // A change that came from this integration is already true there (and the gateway recorded the mapping).
    if (change.origin === adapter.name) return;

    const key = { catalog: change.catalog, localId: change.entityId, remoteSystem: adapter.name };
    const mapping = await mappings.find(key.catalog, key.localId, key.remoteSystem);
    if (change.resyncFor === undefined && mapping?.lastSyncedVersion != null && mapping.lastSyncedVersion >= change.version) {
      log.debug(context, 'already synced this version; skipping');
      return;
    }

    let attempts = 0;
    try {
      const result = await pRetry(
        () => {
          attempts += 1;
          return adapter.instance.outbound.apply(change, mapping && mappingState(mapping));
        },
        {
          retries: adapter.instance.maxAttempts - 1,
          factor: 2,
          minTimeout: options.retryBaseMs ?? 250,
          maxTimeout: 10_000,
          randomize: true,
          shouldRetry: ({ error }) => error instanceof RetryableError,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            log.warn({ ...context, attempt: attemptNumber, retriesLeft, err: error }, 'outbound attempt failed');
            // Honour Retry-After on top of the backoff.
            if (error instanceof RetryableError && error.retryAfterMs && retriesLeft > 0) await sleep(error.retryAfterMs);
          },
        },
      );
      await mappings.markSynced(key, { ...result, version: change.version });
      log.info({ ...context, remoteId: result.remoteId, attempts }, 'synced');
      await syncEvents.publish({
        type: 'OUTBOUND_SYNCED',
        catalog: change.catalog,
        entityId: change.entityId,
        integration: adapter.name,
        status: 'SYNCED',
        causationId: change.id,
        message: `${change.type} v${change.version}`,
        ...(result.remoteId ? { remoteId: result.remoteId } : {}),
      });
    } catch (error) {
      const reason = (error as Error).message ?? String(error);
      log.error({ ...context, attempts, err: error }, 'change failed; dead-lettering it');
      await mappings.markFailed(key, reason, attempts);
      await deadLetter(options.bus, options.deadLetterTopic, message, { integration: adapter.name, error: reason, attempts });
      const common = { catalog: change.catalog, entityId: change.entityId, integration: adapter.name, causationId: change.id, ...(mapping?.remoteId ? { remoteId: mapping.remoteId } : {}) };
      await syncEvents.publish({ ...common, type: 'OUTBOUND_FAILED', status: 'FAILED', message: reason });
      await syncEvents.publish({ ...common, type: 'DEAD_LETTERED', status: 'FAILED', message: `sent to ${options.deadLetterTopic} after ${attempts} attempt(s)` });
    }
  }

  return subscribeWhenReady(options.bus, [{ name: options.changesTopic, partitions: options.partitions }], {
    groupId: `${options.groupPrefix ?? ''}integration-${adapter.name}`,
    topics: [options.changesTopic],
    concurrency: options.concurrency,
    handler: handle,
  });
}
