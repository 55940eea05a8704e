import type { IdMapping } from '../../core/db/generated/client.js';
import { SyncStatus } from '../../core/db/generated/enums.js';
import { builder } from './builder.js';
import { safeSummary } from './safe-summary.js';

export const SyncStatusEnum = builder.enumType(SyncStatus, { name: 'SyncStatus' });

/** Where one entity stands with one integration (a row of id_mapping). */
export const SyncStateRef = builder.objectRef<IdMapping>('SyncState').implement({
  fields: (t) => ({
    integration: t.exposeString('remoteSystem'),
    remoteId: t.exposeString('remoteId', { nullable: true }),
    status: t.expose('status', { type: SyncStatusEnum }),
    lastSyncedAt: t.expose('lastSyncedAt', { type: 'DateTime', nullable: true }),
    lastError: t.string({ nullable: true, description: 'A safe summary of the last failure.', resolve: (row) => safeSummary(row.lastError) }),
    attempts: t.exposeInt('attempts', { description: 'Failed attempts since the last success.' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true, description: 'While RETRYING: when the next attempt is due.' }),
  }),
});
