import { describe, expect, it } from 'vitest';
import { flattenCustomer, syncedCustomerOf, unflattenCustomer } from '../../core/catalogs/customer.js';
import { applyFields, diffFields, mergeInbound, type InboundMergeInput } from '../../core/sync/merge.js';

const base = flattenCustomer(syncedCustomerOf({ email: 'ada@example.com', name: 'Ada', phone: '+44 1', metadata: { plan: 'pro', seats: 3 } }));
const at = (seconds: number) => new Date(1_700_000_000_000 + seconds * 1000);
const merge = (overrides: Partial<InboundMergeInput>) =>
  mergeInbound({ base, local: base, remote: base, remoteMark: 10n, fieldMarks: {}, policy: 'latest', localChangedAt: at(0), remoteChangedAt: at(1), ...overrides });

describe('three-way merge against the base', () => {
  it('flattens metadata per key and back; values are strings', () => {
    expect(base).toMatchObject({ name: 'Ada', 'metadata.plan': 'pro', 'metadata.seats': '3' });
    expect(unflattenCustomer(base).metadata).toEqual({ plan: 'pro', seats: '3' });
  });

  it('diffs and patches field by field; a removed metadata key is null in the patch and gone after it', () => {
    const next = { ...base, name: 'Ada L.' } as Record<string, unknown>;
    delete next['metadata.seats'];
    const patch = diffFields(base, next as typeof base);
    expect(patch).toEqual({ name: 'Ada L.', 'metadata.seats': null });
    expect(applyFields(base, patch)).toEqual(next);
  });

  it('keeps edits to different fields on both sides', () => {
    const result = merge({ local: { ...base, name: 'Local name' }, remote: { ...base, phone: '+44 2' } });
    expect(result.localPatch).toEqual({ phone: '+44 2' });
    expect(result.base).toEqual({ ...base, phone: '+44 2' });
    expect(result.conflicts).toEqual([]);
  });

  it('an echo of our own write (remote equals base) changes nothing', () => {
    expect(merge({ local: { ...base, name: 'Newer local' } })).toEqual({ localPatch: {}, base, conflicts: [], localWon: false });
  });

  it('the same value on both sides is agreement, not a conflict', () => {
    const result = merge({ local: { ...base, name: 'Same' }, remote: { ...base, name: 'Same' } });
    expect(result).toMatchObject({ localPatch: {}, conflicts: [] });
    expect(result.base.name).toBe('Same');
  });

  it('a field changed on both sides is a conflict: latest wins by its own clock, a tie goes to local', () => {
    const both = { local: { ...base, name: 'Local' }, remote: { ...base, name: 'Remote' } };
    const remoteLater = merge({ ...both, localChangedAt: at(0), remoteChangedAt: at(5) });
    expect(remoteLater.conflicts).toEqual([{ field: 'name', localValue: 'Local', remoteValue: 'Remote', winner: 'remote' }]);
    expect(remoteLater.localPatch).toEqual({ name: 'Remote' });
    const tie = merge({ ...both, localChangedAt: at(5), remoteChangedAt: at(5) });
    expect(tie).toMatchObject({ localPatch: {}, localWon: true, conflicts: [expect.objectContaining({ winner: 'local' })] });
    // The base takes the remote value, so the outbound diff sends the winning local value.
    expect(tie.base.name).toBe('Remote');
    expect(merge({ ...both, policy: 'remote', remoteChangedAt: at(-5) }).conflicts[0]?.winner).toBe('remote');
    expect(merge({ ...both, policy: 'local', remoteChangedAt: at(50) }).conflicts[0]?.winner).toBe('local');
  });

  it('merges metadata per key: a key added remotely and another removed locally both survive', () => {
    const local = { ...base } as Record<string, unknown>;
    delete local['metadata.seats'];
    const result = merge({ local: local as typeof base, remote: { ...base, 'metadata.tier': 'gold' } });
    expect(result.localPatch).toEqual({ 'metadata.tier': 'gold' });
    expect(result.conflicts).toEqual([]);
  });

  it('ignores a field we wrote after the snapshot was read (the snapshot is older than our write)', () => {
    const result = merge({ local: { ...base, name: 'Ours' }, remote: { ...base, name: 'Before our write', phone: '+44 9' }, remoteMark: 10n, fieldMarks: { name: '11' } });
    expect(result.localPatch).toEqual({ phone: '+44 9' });
    expect(result.conflicts).toEqual([]);
    expect(result.base.name).toBe('Ada');
  });

  it('with an empty base (linking two records), fields set on one side are taken and different values conflict', () => {
    const local = flattenCustomer(syncedCustomerOf({ email: 'x@example.com', name: 'Local', metadata: { a: '1' } }));
    const remote = flattenCustomer(syncedCustomerOf({ email: 'x@example.com', name: 'Remote', phone: '+1 2' }));
    const result = merge({ base: {}, local, remote, localChangedAt: at(9), remoteChangedAt: at(1) });
    expect(result.localPatch).toEqual({ phone: '+1 2' });
    expect(result.conflicts).toEqual([{ field: 'name', localValue: 'Local', remoteValue: 'Remote', winner: 'local' }]);
    expect(diffFields(result.base, local)).toEqual({ name: 'Local', 'metadata.a': '1', phone: null });
  });
});
