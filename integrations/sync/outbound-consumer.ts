import pRetry from 'p-retry';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../../core/db/prisma.js';
import { parseChangeEnvelope, type ChangeEnvelope } from '../../core/events/envelope.js';
import type { SyncEventPublisher } from '../../core/events/sync-event-publisher.js';
import type { IncomingMessage, MessageBus, Subscription } from '../../core/kafka/bus.js';
import { deadLetter } from '../../core/kafka/dead-letter.js';
import { subscribeWhenReady } from '../../core/kafka/subscribe-when-ready.js';
import { getLogger } from '../../core/logger.js';
import { markFailed, type RemoteAccount } from '../../core/sync/link-store.js';
import { PermanentError, RetryableError } from '../registry/errors.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { syncOutbound, type OutboundOutcome } from './outbound-sync.js';
import { publishSnapshot, readRemoteSnapshot } from './remote-snapshot.js';

export interface OutboundConsumerOptions {
  adapter: ResolvedAdapter;
  account: RemoteAccount;
  prisma: PrismaClient;
  bus: MessageBus;
  syncEvents: SyncEventPublisher;
  changesTopic: string;
  inboundTopic: string;
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
 * One consumer group per integration (`integration-<name>`) on the catalog changes: each change is
 * merged into the remote object (outbound-sync.ts) with bounded retries, and every outcome is
 * reported. A change that still fails is dead-lettered and its partition moves on.
 */
export function startOutboundConsumer(options: OutboundConsumerOptions): Subscription & { ready: Promise<void> } {
  const { adapter, syncEvents } = options;
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
    const context = { eventId: change.id, customerId: change.entityId, integration: adapter.name, version: change.version, origin: change.origin };
    const common = { catalog: change.catalog, entityId: change.entityId, integration: adapter.name, causationId: change.id };

    let attempts = 0;
    let outcome: OutboundOutcome;
    try {
      outcome = await pRetry(
        () => {
          attempts += 1;
          return syncOutbound(options.prisma, adapter, options.account, change);
        },
        {
          retries: adapter.instance.maxAttempts - 1,
          factor: 2,
          minTimeout: options.retryBaseMs ?? 250,
          maxTimeout: 10_000,
          randomize: true,
          shouldRetry: ({ error }) => !(error instanceof PermanentError),
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            log.warn({ ...context, attempt: attemptNumber, retriesLeft, err: error }, 'outbound attempt failed');
            // Honour Retry-After on top of the backoff.
            if (error instanceof RetryableError && error.retryAfterMs && retriesLeft > 0) await sleep(error.retryAfterMs);
          },
        },
      );
    } catch (error) {
      const reason = (error as Error).message ?? String(error);
      log.error({ ...context, attempts, err: error }, 'change failed; dead-lettering it');
      const key = { catalog: change.catalog, localId: change.entityId, remoteSystem: adapter.name };
      await markFailed(options.prisma, key, reason, attempts, { forgetPendingCreate: error instanceof PermanentError });
      await deadLetter(options.bus, options.deadLetterTopic, message, { integration: adapter.name, error: reason, attempts });
      await syncEvents.publish({ ...common, type: 'OUTBOUND_FAILED', status: 'FAILED', message: reason });
      await syncEvents.publish({ ...common, type: 'DEAD_LETTERED', status: 'FAILED', message: `sent to ${options.deadLetterTopic} after ${attempts} attempt(s)` });
      return;
    }

    if (outcome.result === 'stale' || outcome.result === 'unchanged') {
      log.debug({ ...context, outcome: outcome.result }, 'nothing to send');
      return;
    }
    if (outcome.result === 'remote-missing') {
      // Deleted remotely meanwhile: deletes are final, so the catalog deletes it too.
      log.info({ ...context, remoteId: outcome.remoteId }, 'remote object is gone; deleting locally');
      const snapshot = await readRemoteSnapshot(options.prisma, adapter, options.account, {
        eventId: `missing:${change.id}`,
        catalog: change.catalog,
        remoteId: outcome.remoteId,
        kind: 'deleted',
        occurredAt: new Date(),
      });
      await publishSnapshot(options.bus, options.inboundTopic, snapshot);
      return;
    }
    log.info({ ...context, remoteId: outcome.remoteId, attempts, fields: outcome.fields }, 'synced');
    await syncEvents.publish({
      ...common,
      type: 'OUTBOUND_SYNCED',
      status: 'SYNCED',
      message: `${change.type} v${change.version}: ${outcome.result}${outcome.fields.length ? ` (${outcome.fields.join(', ')})` : ''}`,
      ...(outcome.remoteId ? { remoteId: outcome.remoteId } : {}),
    });
  }

  return subscribeWhenReady(options.bus, [{ name: options.changesTopic, partitions: options.partitions }], {
    groupId: `${options.groupPrefix ?? ''}integration-${adapter.name}`,
    topics: [options.changesTopic],
    concurrency: options.concurrency,
    handler: handle,
  });
}
