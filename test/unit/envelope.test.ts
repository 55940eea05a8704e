import { describe, expect, it } from 'vitest';
import { changeKindOf, newChangeEnvelope, parseChangeEnvelope } from '../../core/events/envelope.js';

describe('change envelope', () => {
  const envelope = newChangeEnvelope({
    kind: 'updated',
    catalog: 'customer',
    entityId: '6f1c7f5e-8a53-4b3c-9a51-0f5b3c1e2d11',
    version: 3,
    origin: 'local',
    data: { email: 'a@example.com' },
  });

  it('round-trips through JSON', () => {
    expect(parseChangeEnvelope(JSON.stringify(envelope))).toEqual(envelope);
    expect(envelope.type).toBe('customer.updated');
    expect(changeKindOf(envelope)).toBe('updated');
  });

  it('rejects malformed envelopes with the field that is wrong', () => {
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, version: 0 }))).toThrow(/version/);
    expect(() => parseChangeEnvelope(JSON.stringify({ ...envelope, type: 'customer.renamed' }))).toThrow(/type/);
    expect(() => parseChangeEnvelope('{not json')).toThrow(SyntaxError);
  });
});
