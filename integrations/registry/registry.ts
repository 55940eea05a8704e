import { stripeAdapter } from '../adapters/stripe/index.js';
import type { AdapterInstance, AdapterServices, IntegrationAdapter } from './adapter.js';

/**
 * Every integration the process can run, by name. Adding one is a folder under adapters/ and a
 * line here (docs/adding-an-integration.md).
 */
export const adapters: Record<string, IntegrationAdapter> = {
  stripe: stripeAdapter,
};

export interface ResolvedAdapter {
  name: string;
  instance: AdapterInstance;
}

/** The enabled adapters, each configured from `env`; an unknown name or bad config throws. */
export function resolveAdapters(names: readonly string[], env: Record<string, string | undefined>, services: AdapterServices): ResolvedAdapter[] {
  return names.map((name) => {
    const adapter = adapters[name];
    if (!adapter) {
      throw new Error(`integration "${name}" not found. Register it in integrations/registry/registry.ts (known: ${Object.keys(adapters).join(', ')})`);
    }
    return { name, instance: adapter.configure(env, services) };
  });
}
