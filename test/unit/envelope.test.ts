import { describe, expect, it } from 'vitest';
import { customerSnapshotSchema } from '../../core/catalogs/customer.js';
import { changeKindOf, ENVELOPE_SCHEMA_VERSION, newChangeEnvelope, parseChangeEnvelope } from '../../core/events/envelope.js';

// Built through the contract's schema, so a new nullable synced field needs no change here.
const customer = customerSnapshotSchema.parse({
  id: '6f1c7f5e-8a53-4b3c-9a51-0f5b3c1e2d11',
  email: 'a@example.com',
  name: null,
  phone: null,
  address: null,
  metadata: { plan: 'pro', seats: 3 },
  version: 3,
  createdAt: '2026-11-27T10:00:00.000Z',
  updatedAt: '2026-11-27T10:00:01.000Z',
  deletedAt: null,
});

describe('change envelope', () => {
  const envelope = newChangeEnvelope({ kind: 'updated', catalog: 'customer', entityId: customer.id, version: 3, origin: 'local', data: customer });

  it('round-trips through JSON', () => {
    expect(parseChangeEnvelope(JSON.stringify(envelope))).toEqual(envelope);
    expect(envelope.type).toBe('customer.updated');
    expect(envelope.schemaVersion).toBe(ENVELOPE_SCHEMA_VERSION);
    expect(changeKindOf(envelope)).toBe('updated');
  });

  it('reads the previous schema version (no schemaVersion field), so messages already in topics are not stranded', () => {
    const { schemaVersion: _, ...previous } = envelope;
    expect(parseChangeEnvelope(JSON.stringify(previous))).toEqual(envelope);
    expect(parseChangeEnvelope(JSON.stringify({ ...previous, schemaVersion: 1 }))).toEqual(envelope);
  });

  it('reads a customer snapshot written before a nullable synced field existed as that field null (no new version needed)', () => {
    const { phone: _, ...older } = customer;
    expect(parseChangeEnvelope(JSON.stringify({ ...envelope, data: older }))).toEqual(envelope);
    // A required field (email) has no such default: a snapshot without it does not fit.
    const { email: __, ...noEmail } = customer;
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, data: noEmail }))).toThrow(/data/);
  });

  it('refuses a schema version it does not know, and data that does not fit the catalog', () => {
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, schemaVersion: 3 }))).toThrow(/schemaVersion 3/);
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, data: { email: 'a@example.com' } }))).toThrow(/data/);
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, catalog: 'invoice' }))).toThrow(/data/);
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, catalog: 'order' }))).toThrow(/catalog/);
  });

  it('rejects malformed envelopes with the field that is wrong', () => {
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, version: 0 }))).toThrow(/version/);
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, type: 'customer.renamed' }))).toThrow(/type/);
    expect(() => parseChangeEnvelope('{not json')).toThrow(SyntaxError);
  });
});
