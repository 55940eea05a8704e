import { metrics } from '../../core/metrics/metrics.js';
import type { PrismaClient } from '../../core/db/prisma.js';
import type { ChangeEnvelope } from '../../core/events/envelope.js';
import type { SyncEventPublisher } from '../../core/events/sync-event-publisher.js';
import type { IncomingMessage, MessageBus } from '../../core/kafka/bus.js';
import { deadLetter } from '../../core/kafka/dead-letter.js';
import { getLogger } from '../../core/logger.js';
import { markFailed, type LinkKey, type RemoteAccount } from '../../core/sync/link-store.js';
import { clearParked, park, unpark } from '../../core/sync/parking.js';
import { PermanentError, RetryableError } from '../registry/errors.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { syncOutbound } from './outbound-sync.js';
import { publishSnapshot, readRemoteSnapshot } from './remote-snapshot.js';

export interface OutboundRunnerOptions {
  adapter: ResolvedAdapter;
  account: RemoteAccount;
  prisma: PrismaClient;
  bus: MessageBus;
  syncEvents: SyncEventPublisher;
  changesTopic: string;
  inboundTopic: string;
  deadLetterTopic: string;
}

export type RunResult = 'done' | 'parked' | 'failed';

/** How long a change whose fields also changed remotely waits for the remote change's event. */
const CONTEST_WAIT_MS = 5_000;

/**
 * Runs one change for one integration once, and settles the outcome by class: done (reported),
 * transient failure (the pair is parked for the retry scheduler: RETRYING, no attempt limit), or
 * permanent failure (FAILED, dead-lettered). Used by the consumer and by the retry scheduler.
 */
export function createOutboundRunner(options: OutboundRunnerOptions) {
  const { adapter, syncEvents } = options;
  const log = getLogger(`outbound.${adapter.name}`);

  return async function run(change: ChangeEnvelope, context: { attempts: number; message?: IncomingMessage }): Promise<RunResult> {
    const key: LinkKey = { catalog: change.catalog, localId: change.entityId, remoteSystem: adapter.name };
    const fields = { eventId: change.id, customerId: change.entityId, integration: adapter.name, version: change.version, origin: change.origin };
    const common = { catalog: change.catalog, entityId: change.entityId, integration: adapter.name, causationId: change.id };
    const attempts = context.attempts + 1;
    try {
      const outcome = await syncOutbound(options.prisma, adapter, options.account, change);
      if (outcome.result === 'stale' || outcome.result === 'unchanged') {
        log.debug({ ...fields, outcome: outcome.result }, 'nothing to send');
      } else if (outcome.result === 'contested') {
        if (context.attempts === 0) {
          // The remote change's own event (a webhook, or catch-up) normally arrives within seconds
          // and settles the conflict by its time. Wait for it, parked, so later changes queue behind.
          log.info({ ...fields, remoteId: outcome.remoteId, contested: outcome.fields }, 'changed on both sides; waiting for the remote change\'s event');
          await park(options.prisma, key, change, { error: `waiting for ${adapter.name}'s event about ${outcome.fields.join(', ')} (changed on both sides)`, attempts, retryAfterMs: CONTEST_WAIT_MS });
          await syncEvents.publish({ ...common, type: 'CONFLICT_DETECTED', status: 'PENDING', remoteId: outcome.remoteId, message: `${outcome.fields.join(', ')} changed on both sides: settled when the remote change's event is merged` });
          return 'parked';
        }
        // No event came: merge the remote object as it is now, dated now (when we saw the change),
        // so the conflict is settled and recorded anyway.
        log.warn({ ...fields, remoteId: outcome.remoteId, contested: outcome.fields }, 'no remote event settled the conflict; merging the remote object as read now');
        const snapshot = await readRemoteSnapshot(options.prisma, adapter, options.account, {
          eventId: `contested:${change.id}:${attempts}`,
          catalog: change.catalog,
          remoteId: outcome.remoteId,
          kind: 'updated',
          occurredAt: new Date(),
        });
        await publishSnapshot(options.bus, options.inboundTopic, snapshot);
        await unpark(options.prisma, key, change.id);
      } else if (outcome.result === 'remote-missing') {
        // Deleted remotely meanwhile: deletes are final, so the catalog deletes it too.
        log.info({ ...fields, remoteId: outcome.remoteId }, 'remote object is gone; deleting locally');
        const snapshot = await readRemoteSnapshot(options.prisma, adapter, options.account, {
          eventId: `missing:${change.id}`,
          catalog: change.catalog,
          remoteId: outcome.remoteId,
          kind: 'deleted',
          occurredAt: new Date(),
        });
        await publishSnapshot(options.bus, options.inboundTopic, snapshot);
      } else {
        log.info({ ...fields, remoteId: outcome.remoteId, attempts, fields: outcome.fields, contested: outcome.contested }, 'synced');
        if (outcome.contested) {
          await syncEvents.publish({ ...common, type: 'CONFLICT_DETECTED', status: 'PENDING', ...(outcome.remoteId ? { remoteId: outcome.remoteId } : {}), message: `${outcome.contested.join(', ')} changed on both sides: settled when the remote change's event is merged` });
        }
        metrics.syncLatency.observe({ integration: adapter.name, direction: 'outbound' }, Math.max(Date.now() - Date.parse(change.occurredAt), 0) / 1000);
        await syncEvents.publish({
          ...common,
          type: 'OUTBOUND_SYNCED',
          status: 'SYNCED',
          message: `${change.type} v${change.version}: ${outcome.result}${outcome.fields.length ? ` (${outcome.fields.join(', ')})` : ''}`,
          ...(outcome.remoteId ? { remoteId: outcome.remoteId } : {}),
        });
      }
      return 'done';
    } catch (error) {
      const reason = safeSummary(error);
      if (!(error instanceof PermanentError)) {
        const retryAfterMs = error instanceof RetryableError ? error.retryAfterMs : undefined;
        const nextAttemptAt = await park(options.prisma, key, change, { error: reason, attempts, ...(retryAfterMs ? { retryAfterMs } : {}) });
        log.warn({ ...fields, attempts, nextAttemptAt, err: error }, 'transient failure; parked for retry');
        await syncEvents.publish({ ...common, type: 'OUTBOUND_RETRYING', status: 'RETRYING', message: `attempt ${attempts} failed (${reason}); next at ${nextAttemptAt.toISOString()}` });
        return 'parked';
      }
      log.error({ ...fields, attempts, err: error }, 'change failed for good; dead-lettering it');
      await markFailed(options.prisma, key, reason, attempts, { forgetPendingCreate: true });
      await clearParked(options.prisma, key);
      await deadLetter(options.bus, options.deadLetterTopic, context.message ?? asMessage(options.changesTopic, change), { integration: adapter.name, error: reason, attempts });
      await syncEvents.publish({ ...common, type: 'OUTBOUND_FAILED', status: 'FAILED', message: reason });
      await syncEvents.publish({ ...common, type: 'DEAD_LETTERED', status: 'FAILED', message: `sent to ${options.deadLetterTopic} after ${attempts} attempt(s)` });
      return 'failed';
    }
  };
}

/** A parked change has no Kafka message any more: its dead letter is rebuilt from the envelope. */
function asMessage(topic: string, change: ChangeEnvelope): IncomingMessage {
  return { topic, partition: -1, offset: '-1', key: change.entityId, value: JSON.stringify(change), headers: { 'event-id': change.id }, timestamp: Date.now() };
}

/** The error as users may see it (sync states, events): the adapter's own message, one line, bounded. */
function safeSummary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 500);
}
