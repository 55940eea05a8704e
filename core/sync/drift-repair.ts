import type { FieldKey, FieldValue, FlatFields } from '../catalogs/contract.js';
import { sameValue } from './merge.js';

// Reconcile's repair of drift (a linked pair whose sides differ with no change on its way): which
// side's value each drifted field keeps. Pure logic, used twice: by the reconcile run to plan (and
// report a dry run), and by the gateway's inbound merge to apply, under the pair's and the
// entity's row locks, with the values as they are then. README "Operations" states the rules.

/** Which side is repaired: `local` takes the remote values, `remote` the local ones, `latest` the side changed last. */
export type RepairDirection = 'local' | 'remote' | 'latest';
export const repairDirections = ['local', 'remote', 'latest'] as const;

/**
 * Why a field's winner was chosen: the direction asked (`repair-local`, `repair-remote`), or for
 * `latest` what is known: only one side departed from the pair's base (the value both last agreed
 * on), so that side changed it since; or both did (or the pair has no base), and the times decide.
 */
export type RepairReason = 'repair-local' | 'repair-remote' | 'only-local-changed' | 'only-remote-changed' | 'local-newer' | 'remote-newer' | 'remote-time-unknown';

export interface DriftDecision {
  field: FieldKey;
  local: FieldValue;
  remote: FieldValue;
  /** The side whose value both sides keep. */
  winner: 'local' | 'remote';
  reason: RepairReason;
}

export interface DriftRepairInput {
  /** The pair's base (null: it has none, so neither side can be said to have kept it). */
  base: FlatFields | null;
  local: FlatFields;
  remote: FlatFields;
  direction: RepairDirection;
  /** The local entity's last commit time (its `updated_at`). */
  localChangedAt: Date;
  /** The remote object's last change time (its newest remote event), null when unknown. */
  remoteChangedAt: Date | null;
}

/** Every field on which the two sides differ, with the side that wins it. */
export function decideDriftRepair(input: DriftRepairInput): DriftDecision[] {
  const decisions: DriftDecision[] = [];
  for (const field of new Set([...Object.keys(input.local), ...Object.keys(input.remote)])) {
    const local = input.local[field] ?? null;
    const remote = input.remote[field] ?? null;
    if (sameValue(local, remote)) continue;
    decisions.push({ field, local, remote, ...decide(input, field, local, remote) });
  }
  return decisions;
}

function decide(input: DriftRepairInput, field: FieldKey, local: FieldValue, remote: FieldValue): Pick<DriftDecision, 'winner' | 'reason'> {
  if (input.direction === 'local') return { winner: 'remote', reason: 'repair-local' };
  if (input.direction === 'remote') return { winner: 'local', reason: 'repair-remote' };
  if (input.base) {
    const agreed = input.base[field] ?? null;
    // A side still holding the agreed value has not changed it since: the other side changed last.
    if (sameValue(local, agreed)) return { winner: 'remote', reason: 'only-remote-changed' };
    if (sameValue(remote, agreed)) return { winner: 'local', reason: 'only-local-changed' };
  }
  if (!input.remoteChangedAt) return { winner: 'local', reason: 'remote-time-unknown' };
  // As the live `latest` policy: a tie (remote event times are whole seconds) goes to local.
  return input.remoteChangedAt.getTime() > input.localChangedAt.getTime() ? { winner: 'remote', reason: 'remote-newer' } : { winner: 'local', reason: 'local-newer' };
}

/** Whether any drifted field needs the remote side's change time to be decided (`latest`, both sides changed). */
export function needsRemoteTime(input: Omit<DriftRepairInput, 'remoteChangedAt' | 'direction'>): boolean {
  return decideDriftRepair({ ...input, direction: 'latest', remoteChangedAt: null }).some((decision) => decision.reason === 'remote-time-unknown');
}

export interface DriftRepairMergeInput extends DriftRepairInput {
  /** Per field, the mark of our last write of it to the remote side. */
  fieldMarks: Record<FieldKey, string>;
  /** The mark the remote snapshot was read at. */
  remoteMark: bigint;
}

export interface DriftRepairMergeResult {
  /** What to write locally: the fields the remote side won. */
  localPatch: FlatFields;
  /** The new base: the remote values (what the remote side holds once the local winners are sent). */
  base: FlatFields;
  decisions: DriftDecision[];
  /** True when a local value won: it must be sent to the remote side. */
  localWon: boolean;
}

/**
 * A repair applied to a linked pair (the gateway, under the pair's and the entity's row locks).
 * A field we wrote to the remote side after the snapshot was read is left alone (the snapshot is
 * older than our write); every other field takes the remote value as its base, so a field the
 * local side won differs from the base and goes out with the next outbound diff.
 */
export function mergeDriftRepair(input: DriftRepairMergeInput): DriftRepairMergeResult {
  const newer = (field: FieldKey) => input.fieldMarks[field] !== undefined && BigInt(input.fieldMarks[field]) > input.remoteMark;
  const base: FlatFields = { ...(input.base ?? {}) };
  for (const [field, value] of Object.entries(input.remote)) if (!newer(field)) base[field] = value;
  for (const field of Object.keys(base)) if (!(field in input.remote) && !newer(field)) delete base[field];
  const decisions = decideDriftRepair(input).filter((decision) => !newer(decision.field));
  const localPatch: FlatFields = {};
  for (const decision of decisions) if (decision.winner === 'remote') localPatch[decision.field] = decision.remote;
  return { localPatch, base, decisions, localWon: decisions.some((decision) => decision.winner === 'local') };
}
