import { z } from 'zod';
import { addressInputSchema, customerInputShape } from '../../../core/catalogs/customer.js';
import { ValidationError } from '../../errors.js';

// Validation of customer input, shared by the GraphQL mutations and the inbound consumer (changes
// from integrations are held to the same rules as changes from clients).

export { normalizeEmail } from '../../../core/catalogs/customer.js';

/** The address input (its lines as clients send them). */
export const addressSchema = addressInputSchema;
export type Address = z.infer<typeof addressSchema>;

/** Every synced field's input rule, from the contract (core/catalogs/customer.ts): a new field needs no change here. */
export const createCustomerInputSchema = z.object(customerInputShape);

/** Every field optional; null clears a nullable field; email can change but not be cleared. */
export const updateCustomerInputSchema = createCustomerInputSchema.partial();

export type CreateCustomerInput = z.infer<typeof createCustomerInputSchema>;
export type UpdateCustomerInput = z.infer<typeof updateCustomerInputSchema>;

export const customerIdSchema = z.uuid('must be a customer id (UUID)');

export const integrationNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,49}$/, 'must be an integration name, e.g. "stripe"');

/** Parses with a zod schema, turning every issue into a per-field ValidationError entry. */
export function validate<Schema extends z.ZodType>(schema: Schema, input: unknown, prefix = ''): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix || 'input',
      message: issue.message,
    })),
  );
}
