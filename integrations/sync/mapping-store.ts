import type { IdMapping } from '../../core/db/generated/client.js';
import { toJsonInput } from '../../core/db/json.js';
import { Prisma, type PrismaClient } from '../../core/db/prisma.js';

/** The integrations process's record of each entity's counterpart and sync state (id_mapping). */
export class MappingStore {
  constructor(private readonly prisma: PrismaClient) {}

  find(catalog: string, localId: string, remoteSystem: string): Promise<IdMapping | null> {
    return this.prisma.idMapping.findUnique({ where: { catalog_localId_remoteSystem: { catalog, localId, remoteSystem } } });
  }

  findByRemoteId(remoteSystem: string, remoteId: string): Promise<IdMapping | null> {
    return this.prisma.idMapping.findUnique({ where: { remoteSystem_remoteId: { remoteSystem, remoteId } } });
  }

  markSynced(key: MappingKey, result: { remoteId: string | null; hash: string; fields: Record<string, unknown> | null; version: number }): Promise<IdMapping> {
    const now = new Date();
    const fields = {
      remoteId: result.remoteId,
      lastSyncedFields: result.fields === null ? Prisma.DbNull : toJsonInput(result.fields),
      status: 'SYNCED' as const,
      lastSyncedHash: result.hash,
      lastSyncedVersion: result.version,
      lastSyncedAt: now,
      lastError: null,
      attempts: 0,
      updatedAt: now,
    };
    return this.prisma.idMapping.upsert({
      where: { catalog_localId_remoteSystem: key },
      create: { ...key, ...fields },
      update: fields,
    });
  }

  markFailed(key: MappingKey, error: string, attempts: number): Promise<IdMapping> {
    const now = new Date();
    return this.prisma.idMapping.upsert({
      where: { catalog_localId_remoteSystem: key },
      create: { ...key, status: 'FAILED', lastError: error, attempts, updatedAt: now },
      update: { status: 'FAILED', lastError: error, attempts, updatedAt: now },
    });
  }

  /** Records the newest remote event time seen for a remote object (orders late webhooks). */
  async noteRemoteEvent(remoteSystem: string, remoteId: string, at: Date): Promise<void> {
    await this.prisma.idMapping.updateMany({
      where: { remoteSystem, remoteId, OR: [{ lastRemoteEventAt: null }, { lastRemoteEventAt: { lt: at } }] },
      data: { lastRemoteEventAt: at },
    });
  }
}

export interface MappingKey {
  catalog: string;
  localId: string;
  remoteSystem: string;
}
