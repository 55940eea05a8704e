import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  print,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
} from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { metrics } from '../../core/metrics/metrics.js';

// One execution and one serialisation per (event, distinct selection), shared by every subscriber
// of that selection, instead of graphql-js executing and JSON.stringify-ing the same event once per
// subscriber. Auth stays per subscriber: the root field's subscribe (scope check, filters, since)
// still runs for each one in createSourceEventStream; only the per-event execution of the
// selection is shared, which is sound because a shareable field's payload depends on the event and
// the selection alone (authorizeOnSubscribe: no per-event, per-principal check; no field of
// SyncEvent reads the context). A field whose payload depends on who asks must not be listed.

/** Root subscription fields whose per-event payload is the same for every subscriber of a selection. */
export const SHAREABLE_SUBSCRIPTION_FIELDS: ReadonlySet<string> = new Set(['syncEvents']);

/** A result whose JSON text is computed once, by whichever transport asks first. */
export interface SharedResult extends ExecutionResult {
  /** yoga's SSE (and any JSON writer) calls it as `stringify(result)`: cached for this very object. */
  readonly stringify: (value: unknown) => string;
}

/**
 * What an event's payload depends on, besides the event: the root field's alias, directives and
 * sub-selection, the fragments and the values of the variables they use, but not the root field's
 * arguments (filter, since), which choose which events arrive, not what an event looks like. Two
 * subscribers with the same key get the same result object. Undefined: not shareable.
 */
export function sharedSelectionKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  shareable: ReadonlySet<string> = SHAREABLE_SUBSCRIPTION_FIELDS,
): string | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'subscription') return undefined;
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length > 0 || root.kind !== Kind.FIELD || !shareable.has(root.name.value)) return undefined;
  const selection: FieldNode = { ...root, arguments: [] };
  const fragments = document.definitions
    .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
    .sort((a, b) => a.name.value.localeCompare(b.name.value));
  const used = new Set<string>();
  for (const node of [selection, ...fragments, ...(operation.directives ?? [])]) {
    visit(node, { Variable: (variable) => void used.add(variable.name.value) });
  }
  const names = [...used].sort();
  const definitions = (operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)).map(print);
  return JSON.stringify([
    print(selection),
    fragments.map(print),
    (operation.directives ?? []).map(print),
    definitions,
    names.map((name) => [name, variables?.[name] ?? null]),
  ]);
}

/**
 * The shared results of recent events: per event object (the hub hands the same object to every
 * subscriber, and the replay window keeps it), per selection key. Bounded, so the window's events
 * do not keep their payloads alive for its whole length; a miss re-executes, which is still correct.
 */
export class SharedResultCache {
  private readonly executed = metrics.subscriptionPayloads.labels('executed');
  private readonly shared = metrics.subscriptionPayloads.labels('shared');
  private readonly byEvent = new LRUCache<object, Map<string, SharedResult | Promise<SharedResult>>>({ max: 1_024 });

  resultFor(event: object, key: string, run: () => ExecutionResult | Promise<ExecutionResult>): SharedResult | Promise<SharedResult> {
    let byKey = this.byEvent.get(event);
    if (!byKey) {
      byKey = new Map();
      this.byEvent.set(event, byKey);
    }
    const cached = byKey.get(key);
    if (cached) {
      this.shared.inc();
      return cached;
    }
    this.executed.inc();
    const outcome = run();
    const shared = outcome instanceof Promise ? outcome.then(withCachedJson) : withCachedJson(outcome);
    byKey.set(key, shared);
    return shared;
  }
}

/** Adds a non-enumerable `stringify` that serialises this result once (yoga's SSE uses it as is). */
function withCachedJson(result: ExecutionResult): SharedResult {
  let json: string | undefined;
  Object.defineProperty(result, 'stringify', {
    enumerable: false,
    value: (value: unknown) => (value === result ? (json ??= JSON.stringify(result)) : JSON.stringify(value)),
  });
  return result as SharedResult;
}

export function isSharedResult(result: unknown): result is SharedResult {
  return typeof (result as Partial<SharedResult> | null)?.stringify === 'function';
}

/**
 * graphql-js's subscribe, with the per-event execution shared: createSourceEventStream runs the
 * root field's subscribe for this subscriber (scope check, filter, since), then each event maps to
 * the cached result of its selection.
 */
export async function subscribeShared(args: ExecutionArgs, key: string, cache: SharedResultCache) {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source;
  return mapAsyncIterator(source, (event: unknown) =>
    typeof event === 'object' && event !== null ? cache.resultFor(event, key, () => execute({ ...args, rootValue: event })) : execute({ ...args, rootValue: event }),
  );
}

/** The envelop plugin: shareable subscriptions get subscribeShared, every other operation is untouched. */
export function useSharedSubscriptionResults(cache = new SharedResultCache()): Plugin {
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const key = sharedSelectionKey(args.document, args.operationName, args.variableValues);
      if (key === undefined) return;
      setSubscribeFn((subscribeArgs) => subscribeShared(subscribeArgs as ExecutionArgs, key, cache));
    },
  };
}
