import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, envBoolean, envList, envPort, parseEnv } from '../../core/config/parse-env.js';
import { sharedEnv } from '../../core/config/shared-env.js';

describe('parseEnv', () => {
  const schema = z.object({ PORT: envPort.default(4000), FLAG: envBoolean.default(false), BROKERS: envList.default(['localhost:9092']) });

  it('applies defaults and converts types', () => {
    expect(parseEnv(schema, {})).toEqual({ PORT: 4000, FLAG: false, BROKERS: ['localhost:9092'] });
    expect(parseEnv(schema, { PORT: '4100', FLAG: 'true', BROKERS: 'a:1, b:2' })).toEqual({ PORT: 4100, FLAG: true, BROKERS: ['a:1', 'b:2'] });
  });

  it('never treats the string "false" as true', () => {
    expect(parseEnv(schema, { FLAG: 'false' }).FLAG).toBe(false);
    expect(parseEnv(schema, { FLAG: '0' }).FLAG).toBe(false);
  });

  it('reports every bad variable at once, by name', () => {
    try {
      parseEnv(schema, { PORT: 'eighty', FLAG: 'yes' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/FLAG/);
    }
  });

  it('validates the shared variables of both processes', () => {
    expect(parseEnv(sharedEnv, {}).TOPIC_CATALOG_CHANGES).toBe('catalog.customer.changes');
    expect(() => parseEnv(sharedEnv, { DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(() => parseEnv(sharedEnv, { KAFKA_BROKERS: ' , ' })).toThrow(/KAFKA_BROKERS/);
  });
});
