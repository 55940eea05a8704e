import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { variablesOf } from '../../core/config/parse-env.js';
import { integrationsEnv } from '../../integrations/config.js';
import { adapters } from '../../integrations/registry/registry.js';
import { gatewayEnv } from '../../server/config.js';

// .env.example and the README's configuration table must list every variable the processes and
// every registered adapter read (each adapter's from its registry entry), so they stay the
// complete reference.

const processVariables = [...new Set([...variablesOf(gatewayEnv), ...variablesOf(integrationsEnv)])];
const adapterVariables = Object.values(adapters).flatMap((adapter) => adapter.envVariables);

describe('.env.example and the README configuration table', () => {
  it('.env.example names every variable of both processes and of every registered adapter', () => {
    const listed = new Set(
      readFileSync('.env.example', 'utf8')
        .split('\n')
        .map((line) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(line)?.[1])
        .filter(Boolean),
    );
    const expected = [...new Set([...processVariables, ...adapterVariables])];
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.filter((name) => !listed.has(name))).toEqual([]);
  });

  it("the README's configuration table has a row for every registered adapter's variables", () => {
    const rows = readFileSync('README.md', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]));
    expect(adapterVariables.length).toBeGreaterThan(0);
    expect(adapterVariables.filter((name) => !rows.includes(name))).toEqual([]);
  });
});
