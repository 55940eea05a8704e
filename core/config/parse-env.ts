import { z } from 'zod';
import { redactSecretValues } from '../logger.js';

export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates a process's environment against its zod schema. Every bad variable is reported at
 * once, by name; `env` is a parameter so tests need not touch process.env.
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined> = process.env,
): z.infer<Schema> {
  const result = schema.safeParse(env);
  if (result.success) {
    redactSecretValues(secretVariablesOf(schema).map((name) => env[name]));
    return result.data;
  }
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  );
}

/** A boolean variable: only the words true/false/1/0 are accepted (so 'false' is never truthy). */
export const envBoolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** A comma-separated list, e.g. KAFKA_BROKERS=host1:9092,host2:9092. */
export const envList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));

export const envPort = z.coerce.number().int().min(0).max(65535);

/** Marks a variable as secret: its value is redacted from every log line once parseEnv has read it. */
export const secret = <Schema extends z.ZodType>(schema: Schema): Schema => schema.meta({ secret: true });

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  return schema instanceof z.ZodObject ? schema.shape : schema instanceof z.ZodPipe && schema.in instanceof z.ZodObject ? schema.in.shape : {};
}

/** The variables a schema reads (an object schema, or one refined/transformed from it). */
export function variablesOf(schema: z.ZodType): string[] {
  return Object.keys(shapeOf(schema));
}

/** The variables a schema marks with `secret()` (an object schema, or one refined/transformed from it). */
export function secretVariablesOf(schema: z.ZodType): string[] {
  return Object.entries(shapeOf(schema))
    .filter(([, field]) => field.meta()?.secret === true)
    .map(([name]) => name);
}
