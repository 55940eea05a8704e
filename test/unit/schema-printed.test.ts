import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../server/schema/index.js';

describe('schema.graphql', () => {
  it('is what the Pothos builder prints (run npm run schema:print and commit it)', () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(`${printSchema(gatewaySchema())}\n`);
  });

  it('keeps the API contract names', () => {
    const sdl = printSchema(gatewaySchema());
    for (const fragment of [
      'union CreateCustomerResult = CreateCustomerSuccess | EmailTakenError | ValidationError',
      'union UpdateCustomerResult = EmailTakenError | NotFoundError | UpdateCustomerSuccess | ValidationError',
      'union DeleteCustomerResult = DeleteCustomerSuccess | NotFoundError',
      'type Customer implements Node',
      'enum SyncStatus',
    ]) {
      expect(sdl).toContain(fragment);
    }
  });
});
