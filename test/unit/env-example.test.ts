import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stripeConfigSchema } from '../../integrations/adapters/stripe/config.js';
import { integrationsEnv } from '../../integrations/config.js';
import { gatewayEnv } from '../../server/config.js';

// .env.example must list every variable the processes read, so it stays the complete reference.

function variablesOf(schema: z.ZodType): string[] {
  const shape = schema instanceof z.ZodObject ? schema.shape : schema instanceof z.ZodPipe && schema.in instanceof z.ZodObject ? schema.in.shape : {};
  return Object.keys(shape);
}

describe('.env.example', () => {
  it('names every variable of both processes and of the Stripe adapter', () => {
    const listed = new Set(
      readFileSync('.env.example', 'utf8')
        .split('\n')
        .map((line) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(line)?.[1])
        .filter(Boolean),
    );
    const expected = [...new Set([...variablesOf(gatewayEnv), ...variablesOf(integrationsEnv), ...variablesOf(stripeConfigSchema)])];
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.filter((name) => !listed.has(name))).toEqual([]);
  });
});
