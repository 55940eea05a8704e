import { isDeepStrictEqual } from 'node:util';
import { isPerKeyEntry, type FieldKey, type FieldValue, type FlatFields } from '../catalogs/contract.js';

// Three-way merge of one linked pair against its base (the values both sides last agreed on).
// Pure logic: the callers hold the row locks and do the I/O. docs/architecture.md, "Merge".

export type ConflictPolicy = 'latest' | 'local' | 'remote';
export const conflictPolicies = ['latest', 'local', 'remote'] as const;

/** The fields whose values differ between `from` and `to` (a key missing on one side is null). */
export function diffFields(from: FlatFields, to: FlatFields): FlatFields {
  const patch: FlatFields = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const next = to[key] ?? null;
    if (!sameValue(from[key] ?? null, next)) patch[key] = next;
  }
  return patch;
}

/** `base` with `patch` applied; a null value of a per-key entry (e.g. `metadata.plan`) removes the key. */
export function applyFields(base: FlatFields, patch: FlatFields): FlatFields {
  const next: FlatFields = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null && isPerKeyEntry(key)) delete next[key];
    else next[key] = value;
  }
  return next;
}

export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return isDeepStrictEqual(a ?? null, b ?? null);
}

export interface FieldConflict {
  field: FieldKey;
  localValue: FieldValue;
  remoteValue: FieldValue;
  winner: 'local' | 'remote';
}

export interface InboundMergeInput {
  base: FlatFields;
  local: FlatFields;
  /** The remote object's fields, as fetched at `remoteMark`. */
  remote: FlatFields;
  remoteMark: bigint;
  /** Per field, the mark of our last write of it to the remote side. */
  fieldMarks: Record<FieldKey, string>;
  policy: ConflictPolicy;
  /** When the local entity last changed (commit time). */
  localChangedAt: Date;
  /** When the remote change happened (the remote event's time). */
  remoteChangedAt: Date;
}

export interface InboundMergeResult {
  /** What to write locally (only fields the remote side changed and won). */
  localPatch: FlatFields;
  /** The new base: every remote change accounted for, our unseen writes left as they were. */
  base: FlatFields;
  conflicts: FieldConflict[];
  /** True when a local value won a conflict: it must be sent to the remote side. */
  localWon: boolean;
}

/**
 * A remote snapshot merged into a linked pair. A field changed remotely (snapshot differs from
 * base) is applied locally unless it also changed locally (local differs from base) to another
 * value: that is a conflict, settled by the policy (`latest`: the later change wins, a tie goes to
 * local). A field we wrote to the remote side after the snapshot was taken is skipped: the
 * snapshot is older than our write, so its value says nothing new.
 */
export function mergeInbound(input: InboundMergeInput): InboundMergeResult {
  const localPatch: FlatFields = {};
  const base: FlatFields = { ...input.base };
  const conflicts: FieldConflict[] = [];
  for (const key of new Set([...Object.keys(input.base), ...Object.keys(input.remote)])) {
    const writtenAt = input.fieldMarks[key];
    if (writtenAt !== undefined && BigInt(writtenAt) > input.remoteMark) continue;
    const remote = input.remote[key] ?? null;
    const agreed = input.base[key] ?? null;
    if (sameValue(remote, agreed)) continue; // not changed remotely (an echo of our own write included)
    const local = input.local[key] ?? null;
    setField(base, key, remote);
    if (sameValue(local, agreed)) {
      localPatch[key] = remote;
    } else if (!sameValue(local, remote)) {
      const winner = decide(input);
      conflicts.push({ field: key, localValue: local, remoteValue: remote, winner });
      if (winner === 'remote') localPatch[key] = remote;
    }
  }
  return { localPatch, base, conflicts, localWon: conflicts.some((conflict) => conflict.winner === 'local') };
}

function decide(input: InboundMergeInput): 'local' | 'remote' {
  if (input.policy === 'local' || input.policy === 'remote') return input.policy;
  return input.remoteChangedAt.getTime() > input.localChangedAt.getTime() ? 'remote' : 'local';
}

function setField(fields: FlatFields, key: FieldKey, value: FieldValue): void {
  if (value === null && isPerKeyEntry(key)) delete fields[key];
  else fields[key] = value;
}

/** What the local side changed since the base: the patch an outbound write sends. */
export function outboundPatch(base: FlatFields, local: FlatFields): FlatFields {
  return diffFields(base, local);
}
