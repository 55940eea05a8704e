import { parseChangeEnvelope, type ChangeEnvelope } from '../../core/events/envelope.js';
import type { IncomingMessage, Subscription } from '../../core/kafka/bus.js';
import { deadLetter } from '../../core/kafka/dead-letter.js';
import { subscribeWhenReady } from '../../core/kafka/subscribe-when-ready.js';
import { getLogger } from '../../core/logger.js';
import { joinParked } from '../../core/sync/parking.js';
import { createOutboundRunner, type OutboundRunnerOptions } from './outbound-runner.js';

export interface OutboundConsumerOptions extends OutboundRunnerOptions {
  concurrency: number;
  /** Partitions of the changes topic if it must be created. */
  partitions: number;
  /** Prefix of the consumer group id (`<prefix>integration-<name>`). */
  groupPrefix?: string;
}

/**
 * One consumer group per integration (`integration-<name>`) on the catalog changes. Each change is
 * tried once (outbound-runner.ts): a transient failure parks its pair for the retry scheduler and
 * the partition moves on, so no handler outlives the consumer session and no entity blocks
 * another. A change for a parked pair joins it, keeping the pair's order.
 */
export function startOutboundConsumer(options: OutboundConsumerOptions): Subscription & { ready: Promise<void> } {
  const { adapter } = options;
  const log = getLogger(`outbound.${adapter.name}`);
  const run = createOutboundRunner(options);

  async function handle(message: IncomingMessage): Promise<void> {
    let change: ChangeEnvelope;
    try {
      change = parseChangeEnvelope(message.value);
    } catch (error) {
      log.error({ err: error, offset: message.offset, partition: message.partition }, 'malformed change event; dead-lettering it');
      await deadLetter(options.bus, options.deadLetterTopic, message, { integration: adapter.name, error: String(error), attempts: 0 });
      return;
    }
    if (!adapter.instance.catalogs[change.catalog]) return;
    if (change.resyncFor !== undefined && change.resyncFor !== adapter.name) return;
    const key = { catalog: change.catalog, localId: change.entityId, remoteSystem: adapter.name };
    if (await joinParked(options.prisma, key, change)) {
      log.info({ eventId: change.id, customerId: change.entityId, integration: adapter.name, version: change.version }, 'pair is parked; the change waits with it');
      return;
    }
    await run(change, { attempts: 0, message });
  }

  return subscribeWhenReady(options.bus, [{ name: options.changesTopic, partitions: options.partitions }], {
    groupId: `${options.groupPrefix ?? ''}integration-${adapter.name}`,
    topics: [options.changesTopic],
    concurrency: options.concurrency,
    handler: handle,
  });
}
