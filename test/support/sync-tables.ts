import type pg from 'pg';

// SQL reads of the sync tables, for black-box assertions. Only the columns of the contract in
// issue #8 are read (local_id, remote_system, remote_id, status; sync_conflict), never the hash.

export interface MappingRow {
  localId: string;
  remoteId: string | null;
  status: string;
}

export interface ConflictRow {
  id: string;
  entityId: string | null;
  remoteId: string | null;
  kind: 'FIELD' | 'DELETE_VS_UPDATE' | 'DUPLICATE_REMOTE' | 'LINK_MISMATCH';
  field: string | null;
  localValue: unknown;
  remoteValue: unknown;
  winner: 'local' | 'remote' | 'none';
  policy: string;
  createdAt: Date;
}

/** Stripe mappings touching any of these local or remote ids. */
export async function stripeMappings(sql: pg.Pool, localIds: string[], remoteIds: string[]): Promise<MappingRow[]> {
  const { rows } = await sql.query<{ local_id: string; remote_id: string | null; status: string }>(
    `SELECT local_id::text, remote_id, status::text FROM id_mapping
      WHERE catalog = 'customer' AND remote_system = 'stripe' AND (local_id::text = ANY($1) OR remote_id = ANY($2))`,
    [localIds, remoteIds],
  );
  return rows.map((row) => ({ localId: row.local_id, remoteId: row.remote_id, status: row.status }));
}

/** The mapping of one local customer, if any. */
export async function stripeMappingOf(sql: pg.Pool, localId: string): Promise<MappingRow | undefined> {
  return (await stripeMappings(sql, [localId], []))[0];
}

/** Whether the sync_conflict table exists yet (it arrives with issue #8's implementation). */
export async function hasConflictTable(sql: pg.Pool): Promise<boolean> {
  const { rows } = await sql.query<{ exists: boolean }>(`SELECT to_regclass('public.sync_conflict') IS NOT NULL AS exists`);
  return rows[0]?.exists === true;
}

/** Conflicts recorded for any of these local or remote ids ([] while the table does not exist). */
export async function conflictsFor(sql: pg.Pool, localIds: string[], remoteIds: string[] = []): Promise<ConflictRow[]> {
  if (!(await hasConflictTable(sql))) return [];
  const { rows } = await sql.query<{
    id: string; entity_id: string | null; remote_id: string | null; kind: ConflictRow['kind']; field: string | null;
    local_value: unknown; remote_value: unknown; winner: ConflictRow['winner']; policy: string; created_at: Date;
  }>(
    `SELECT id::text, entity_id::text, remote_id, kind::text, field, local_value, remote_value, winner, policy, created_at
       FROM sync_conflict WHERE integration = 'stripe' AND (entity_id::text = ANY($1) OR remote_id = ANY($2)) ORDER BY created_at`,
    [localIds, remoteIds],
  );
  return rows.map((row) => ({
    id: row.id, entityId: row.entity_id, remoteId: row.remote_id, kind: row.kind, field: row.field,
    localValue: row.local_value, remoteValue: row.remote_value, winner: row.winner, policy: row.policy, createdAt: row.created_at,
  }));
}

/** Outbox rows of these customers not yet on Kafka. */
export async function unpublishedOutbox(sql: pg.Pool, localIds: string[]): Promise<number> {
  const { rows } = await sql.query<{ count: string }>(`SELECT count(*)::text AS count FROM outbox_event WHERE published_at IS NULL AND key = ANY($1)`, [localIds]);
  return Number(rows[0]?.count ?? 0);
}
