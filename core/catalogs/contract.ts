import type { z } from 'zod';

// What every catalog declares about its synced entity, once: the shape both sides agree on, how
// each field merges, and which fields point at another catalog's entities. The sync core (merge,
// link store, envelopes, inbound changes) works through this interface only; docs/adding-a-catalog.md.

/** A JSON value: what a synced field may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Field keys the merge works on: a `whole` field by its name, a `per-key` field as `<field>.<key>`. */
export type FieldKey = string;
export type FieldValue = JsonValue;
export type FlatFields = Record<FieldKey, FieldValue>;

/**
 * How a field merges: `whole` (a change to any part replaces the value, e.g. an address or a
 * list of invoice lines) or `per-key` (a string map merged key by key, e.g. metadata; a key with
 * no value is no key).
 */
export type MergeRule = 'whole' | 'per-key';

export interface CatalogSpec<Name extends string, Synced extends Record<string, JsonValue>, Snapshot extends { id: string; version: number }> {
  name: Name;
  /** The synced fields in the catalog's normal form (the base in id_mapping, inbound data). */
  schema: z.ZodType<Synced>;
  /** `schema` with every field optional: what a remote side sends when it carries only some fields. */
  carriedSchema: z.ZodType<Partial<Synced>>;
  /** The whole entity as change envelopes carry it (`data`). */
  snapshotSchema: z.ZodType<Snapshot>;
  /** Every synced field and how it merges. */
  merge: { [Field in keyof Synced & string]: MergeRule };
  /**
   * Fields holding the local id of another catalog's entity. Adapters see the remote system's id
   * of that entity there instead: the core translates through id_mapping in both directions.
   */
  references: { [Field in keyof Synced & string]?: string };
  /** The synced fields of a snapshot, in normal form. */
  syncedOf(snapshot: Snapshot): Synced;
  /**
   * The Kafka key of the entity's changes: changes with one key stay in order (an invoice is keyed
   * by its customer, so it never overtakes its customer's create).
   */
  partitionKeyOf(snapshot: Snapshot): string;
  /** Reads a stored base that no longer matches `schema` (written by an older release), if it can. */
  legacyBase?(value: unknown): Synced | null;
}

export interface CatalogContract<Name extends string = string, Synced extends Record<string, JsonValue> = Record<string, JsonValue>, Snapshot extends { id: string; version: number } = { id: string; version: number }>
  extends CatalogSpec<Name, Synced, Snapshot> {
  /** The synced field names, in declaration order. */
  fields: ReadonlyArray<keyof Synced & string>;
  /** One value per merge key (per-key fields become `<field>.<key>`); absent fields give no key. */
  flatten(synced: Partial<Synced>): FlatFields;
  /** The inverse of flatten: a missing whole field is null, a missing per-key field is {}. */
  unflatten(flat: FlatFields): Synced;
  /** The synced field a merge key belongs to. */
  fieldOf(key: FieldKey): keyof Synced & string;
  /** A stored base (JSON from id_mapping.base), or null when there is none. */
  parseBase(value: unknown): Synced | null;
  /**
   * The remote side's view for a merge when it carried only some fields: the fields it did not
   * carry are taken as unchanged (the base's values), never as cleared.
   */
  remoteView(base: FlatFields, carried: Partial<Synced>): FlatFields;
}

/** Builds a catalog's contract from its spec (flatten, unflatten and the rest follow from `merge`). */
export function defineCatalog<Name extends string, Synced extends Record<string, JsonValue>, Snapshot extends { id: string; version: number }>(
  spec: CatalogSpec<Name, Synced, Snapshot>,
): CatalogContract<Name, Synced, Snapshot> {
  const fields = Object.keys(spec.merge) as Array<keyof Synced & string>;
  const perKey = new Set(fields.filter((field) => spec.merge[field] === 'per-key'));
  const fieldOf = (key: FieldKey) => {
    const dot = key.indexOf('.');
    return (dot > 0 && perKey.has(key.slice(0, dot) as keyof Synced & string) ? key.slice(0, dot) : key) as keyof Synced & string;
  };
  function flatten(synced: Partial<Synced>): FlatFields {
    const flat: FlatFields = {};
    for (const field of fields) {
      if (!(field in synced) || synced[field] === undefined) continue;
      const value = synced[field] as JsonValue;
      if (perKey.has(field)) {
        for (const [key, entry] of Object.entries((value ?? {}) as Record<string, JsonValue>)) flat[`${field}.${key}`] = entry;
      } else flat[field] = value;
    }
    return flat;
  }
  function unflatten(flat: FlatFields): Synced {
    const synced: Record<string, JsonValue> = {};
    for (const field of fields) synced[field] = perKey.has(field) ? {} : (flat[field] ?? null);
    for (const [key, value] of Object.entries(flat)) {
      const field = fieldOf(key);
      if (perKey.has(field) && key !== field && value !== null) (synced[field] as Record<string, JsonValue>)[key.slice(field.length + 1)] = value;
    }
    return synced as Synced;
  }
  return {
    ...spec,
    fields,
    flatten,
    unflatten,
    fieldOf,
    parseBase(value) {
      if (value === null || value === undefined) return null;
      const parsed = spec.schema.safeParse(value);
      // A base that no longer parses (written before a field's normal form changed) is read as
      // no agreement on anything: the next merge treats both sides' values as new, never as equal.
      return parsed.success ? parsed.data : (spec.legacyBase?.(value) ?? null);
    },
    remoteView(base, carried) {
      const view = flatten(carried);
      for (const [key, value] of Object.entries(base)) if (!(fieldOf(key) in carried)) view[key] = value;
      return view;
    },
  };
}

/** Whether a merge key is one key of a per-key field (a null value then removes the key). */
export function isPerKeyEntry(key: FieldKey): boolean {
  return key.includes('.');
}
