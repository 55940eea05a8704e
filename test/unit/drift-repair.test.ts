import { describe, expect, it } from 'vitest';
import { decideDriftRepair, mergeDriftRepair, needsRemoteTime } from '../../core/sync/drift-repair.js';

// Reconcile's repair rules (README: Operations): which side of a drifted pair keeps each field.

const at = (iso: string) => new Date(iso);
const base = { name: 'Ada', phone: '+1', 'metadata.plan': 'pro' };

describe('decideDriftRepair', () => {
  it('lists only the fields on which the sides differ; local and remote directions pick one side', () => {
    const input = { base, local: { name: 'Ada L.', phone: '+1' }, remote: { name: 'Ada', phone: '+1', 'metadata.plan': 'pro' }, localChangedAt: at('2026-01-01T00:00:00Z'), remoteChangedAt: null };
    expect(decideDriftRepair({ ...input, direction: 'local' })).toEqual([
      { field: 'name', local: 'Ada L.', remote: 'Ada', winner: 'remote', reason: 'repair-local' },
      { field: 'metadata.plan', local: null, remote: 'pro', winner: 'remote', reason: 'repair-local' },
    ]);
    expect(decideDriftRepair({ ...input, direction: 'remote' }).map((decision) => decision.winner)).toEqual(['local', 'local']);
  });

  it('latest: the side that left the base changed last; if both did, the later time wins, a tie or an unknown remote time goes to local', () => {
    const common = { base, direction: 'latest' as const, localChangedAt: at('2026-01-01T10:00:00Z') };
    expect(decideDriftRepair({ ...common, local: { name: 'Local' }, remote: { name: 'Ada' }, remoteChangedAt: null })).toEqual([
      { field: 'name', local: 'Local', remote: 'Ada', winner: 'local', reason: 'only-local-changed' },
    ]);
    expect(decideDriftRepair({ ...common, local: { name: 'Ada' }, remote: { name: 'Remote' }, remoteChangedAt: null })[0]).toMatchObject({ winner: 'remote', reason: 'only-remote-changed' });
    const both = { ...common, local: { name: 'Local' }, remote: { name: 'Remote' } };
    expect(decideDriftRepair({ ...both, remoteChangedAt: at('2026-01-01T10:00:01Z') })[0]).toMatchObject({ winner: 'remote', reason: 'remote-newer' });
    expect(decideDriftRepair({ ...both, remoteChangedAt: at('2026-01-01T10:00:00Z') })[0]).toMatchObject({ winner: 'local', reason: 'local-newer' });
    expect(decideDriftRepair({ ...both, remoteChangedAt: null })[0]).toMatchObject({ winner: 'local', reason: 'remote-time-unknown' });
    // No base: neither side can be said to have kept it, so the times decide.
    expect(decideDriftRepair({ ...common, base: null, local: { name: 'Ada' }, remote: { name: 'Remote' }, remoteChangedAt: at('2026-01-01T11:00:00Z') })[0]).toMatchObject({ reason: 'remote-newer' });
    expect(needsRemoteTime({ base, local: { name: 'Local' }, remote: { name: 'Remote' }, localChangedAt: common.localChangedAt })).toBe(true);
    expect(needsRemoteTime({ base, local: { name: 'Local' }, remote: { name: 'Ada' }, localChangedAt: common.localChangedAt })).toBe(false);
  });
});

describe('mergeDriftRepair', () => {
  it('patches the local side with the remote winners, takes the remote values as the base, and leaves fields we wrote after the snapshot alone', () => {
    const merged = mergeDriftRepair({
      base,
      local: { name: 'Local', phone: '+2', 'metadata.plan': 'pro' },
      remote: { name: 'Ada', phone: '+3', 'metadata.plan': 'team' },
      direction: 'latest',
      localChangedAt: at('2026-01-01T10:00:00Z'),
      remoteChangedAt: at('2026-01-01T09:00:00Z'),
      // phone was written to the remote side (mark 9) after the snapshot was read (mark 5).
      fieldMarks: { phone: '9' },
      remoteMark: 5n,
    });
    expect(merged.decisions.map((decision) => [decision.field, decision.winner, decision.reason])).toEqual([
      ['name', 'local', 'only-local-changed'],
      ['metadata.plan', 'remote', 'only-remote-changed'],
    ]);
    expect(merged.localPatch).toEqual({ 'metadata.plan': 'team' });
    expect(merged.base).toEqual({ name: 'Ada', phone: '+1', 'metadata.plan': 'team' });
    expect(merged.localWon).toBe(true);
  });
});
