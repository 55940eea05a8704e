import { describe, expect, it } from 'vitest';
import { fieldsOf } from '../convergence/fields.js';
import { checkInvariants } from '../convergence/invariants.js';
import type { Snapshot } from '../convergence/observe.js';
import type { OperationsLog } from '../convergence/run-operations.js';
import { generateScenario } from '../convergence/scenario.js';

// The invariants are the suite's judge: each must be able to fail. Snapshots here are hand-made.

const L1 = '00000000-0000-4000-8000-000000000001';

function converged(): { snapshot: Snapshot; log: OperationsLog } {
  const customer = { email: 'a@x.example.com', name: 'Ada', phone: null, address: { country: 'DE' }, metadata: { plan: 'pro' } };
  return {
    snapshot: {
      locals: [{ id: L1, fields: fieldsOf(customer) }],
      remotes: [{ id: 'cus_1', fields: fieldsOf({ ...customer, address: { country: 'DE', line1: '', postal_code: '' }, metadata: { plan: 'pro', local_id: L1 } }), localIdTag: L1 }],
      mappings: [{ localId: L1, remoteId: 'cus_1', status: 'SYNCED' }],
      conflicts: [],
      knownLocalIds: [L1],
      knownRemoteIds: ['cus_1'],
    },
    log: {
      entities: [{ index: 0, createdOn: 'local', localId: L1 }],
      writes: [
        { step: 0, entity: 0, side: 'local', field: 'name', value: 'Old', acknowledgedAt: 1 },
        { step: 1, entity: 0, side: 'stripe', field: 'name', value: 'Ada', acknowledgedAt: 2 },
      ],
      outcomes: [],
    },
  };
}

describe('convergence invariants', () => {
  it('pass on a converged state (Stripe empty strings and local_id are no difference)', () => {
    const { snapshot, log } = converged();
    expect(checkInvariants(snapshot, log).violations).toEqual([]);
  });

  it('I1: a field that differs between the pair', () => {
    const { snapshot, log } = converged();
    snapshot.remotes[0]!.fields.name = 'Other';
    expect(checkInvariants(snapshot, log).violations.map((violation) => violation.invariant)).toContain('I1');
  });

  it('I2: two live Stripe customers claim one local customer', () => {
    const { snapshot, log } = converged();
    snapshot.remotes.push({ id: 'cus_2', fields: snapshot.remotes[0]!.fields, localIdTag: L1 });
    expect(checkInvariants(snapshot, log).violations.map((violation) => violation.invariant)).toContain('I2');
  });

  it('I3: a pair deleted on one side only, and an acknowledged delete undone', () => {
    const { snapshot, log } = converged();
    snapshot.remotes = [];
    log.entities[0]!.deleted = 'local';
    const invariants = checkInvariants(snapshot, log).violations.map((violation) => violation.invariant);
    expect(invariants.filter((name) => name === 'I3')).toHaveLength(2);
  });

  it('I4: the last acknowledged write lost without a conflict; accepted once a conflict records it as the loser', () => {
    const { snapshot, log } = converged();
    log.writes.push({ step: 2, entity: 0, side: 'local', field: 'name', value: 'Newest', acknowledgedAt: 3 });
    expect(checkInvariants(snapshot, log).violations.map((violation) => violation.invariant)).toEqual(['I4']);
    snapshot.conflicts.push({ id: 'c', entityId: L1, remoteId: 'cus_1', kind: 'FIELD', field: 'name', localValue: 'Newest', remoteValue: 'Ada', winner: 'remote', policy: 'latest', createdAt: new Date() });
    expect(checkInvariants(snapshot, log).violations).toEqual([]);
  });

  it('counts unlinked Stripe customers without failing on them', () => {
    const { snapshot, log } = converged();
    snapshot.remotes.push({ id: 'cus_dup', fields: fieldsOf({ email: 'a@x.example.com', name: 'Intruder' }) }, { id: 'cus_anon', fields: fieldsOf({ name: 'No email' }) });
    const verdict = checkInvariants(snapshot, log);
    expect(verdict.violations).toEqual([]);
    expect(verdict.unlinked).toEqual({ duplicates: 1, withoutEmail: 1, other: 0 });
  });

  it('a seed always generates the same scenario', () => {
    expect(generateScenario(42, 't')).toEqual(generateScenario(42, 't'));
    expect(generateScenario(42, 't')).not.toEqual(generateScenario(43, 't'));
  });
});
