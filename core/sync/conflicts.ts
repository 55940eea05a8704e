import { metrics } from '../metrics/metrics.js';
import { Prisma } from '../db/prisma.js';
import type { Tx } from './link-store.js';

// Every conflict the sync meets is recorded (sync_conflict) in the transaction that resolves it.

export type ConflictKind = 'FIELD' | 'DELETE_VS_UPDATE' | 'DUPLICATE_REMOTE' | 'LINK_MISMATCH';

export interface ConflictRecord {
  catalog: string;
  entityId?: string | null;
  integration: string;
  remoteId?: string | null;
  kind: ConflictKind;
  field?: string | null;
  localValue?: unknown;
  remoteValue?: unknown;
  winner: 'local' | 'remote' | 'none';
  policy: string;
}

/** A value as a JSON column: JSON null for no value, so 'cleared' stays distinguishable from 'not recorded'. */
const json = (value: unknown): Prisma.InputJsonValue | typeof Prisma.JsonNull =>
  value === undefined || value === null ? Prisma.JsonNull : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);

export async function recordConflicts(tx: Tx, conflicts: ConflictRecord[]): Promise<void> {
  if (conflicts.length === 0) return;
  for (const conflict of conflicts) {
    // A metadata key is data (it may name a person): only the field family is a label.
    const field = conflict.field ? (conflict.field.startsWith('metadata.') ? 'metadata' : conflict.field) : 'none';
    metrics.conflicts.inc({ catalog: conflict.catalog, integration: conflict.integration, kind: conflict.kind, field });
  }
  await tx.syncConflict.createMany({
    data: conflicts.map((conflict) => ({
      catalog: conflict.catalog,
      entityId: conflict.entityId ?? null,
      integration: conflict.integration,
      remoteId: conflict.remoteId ?? null,
      kind: conflict.kind,
      field: conflict.field ?? null,
      localValue: json(conflict.localValue),
      remoteValue: json(conflict.remoteValue),
      winner: conflict.winner,
      policy: conflict.policy,
    })),
  });
}
