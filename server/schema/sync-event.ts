import { syncEventTypes, type SyncEvent } from '../../core/events/sync-event.js';
import { builder } from './builder.js';
import { safeSummary } from './safe-summary.js';
import { SyncStatusEnum } from './sync-state.js';

// Live sync activity: the syncEvents subscription (graphql-ws and SSE).

const SyncEventTypeEnum = builder.enumType('SyncEventType', { values: syncEventTypes });

const SyncEventRef = builder.objectRef<SyncEvent>('SyncEvent').implement({
  description: 'One step of a sync: a local change published, a remote write done or failed, a webhook received or applied, an echo dropped, a dead letter.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.expose('type', { type: SyncEventTypeEnum }),
    customerId: t.id({ nullable: true, resolve: (event) => (event.catalog === 'customer' ? (event.entityId ?? null) : null) }),
    integration: t.exposeString('integration', { nullable: true }),
    remoteId: t.exposeString('remoteId', { nullable: true }),
    status: t.expose('status', { type: SyncStatusEnum, nullable: true }),
    message: t.string({ nullable: true, resolve: (event) => safeSummary(event.message) }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const SyncEventFilterInput = builder.inputType('SyncEventFilter', {
  fields: (t) => ({
    customerId: t.id(),
    integration: t.string(),
    types: t.field({ type: [SyncEventTypeEnum] }),
  }),
});

builder.subscriptionFields((t) => ({
  syncEvents: t.field({
    authScopes: { scope: 'sync.read' },
    type: SyncEventRef,
    description: 'Sync activity as it happens, from every gateway instance. A client that falls 1,000 events behind is disconnected with SLOW_SUBSCRIBER.',
    args: { filter: t.arg({ type: SyncEventFilterInput }) },
    subscribe: (_root, { filter }, ctx) =>
      ctx.syncEvents.subscribe({
        customerId: filter?.customerId ? String(filter.customerId) : null,
        integration: filter?.integration ?? null,
        types: filter?.types ?? null,
      }),
    resolve: (event) => event,
  }),
}));
