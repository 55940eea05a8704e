import { z } from 'zod';
import { ValidationError } from '../../errors.js';

// Validation of customer input, shared by the GraphQL mutations and the inbound consumer (changes
// from integrations are held to the same rules as changes from clients).

const MAX_METADATA_KEYS = 50;
const MAX_METADATA_BYTES = 8_192;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const optionalText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max).nullish();

export const addressSchema = z
  .object({
    line1: optionalText(200),
    line2: optionalText(200),
    city: optionalText(100),
    state: optionalText(100),
    postalCode: optionalText(20),
    country: z.string().trim().regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 country code').transform((code) => code.toUpperCase()).nullish(),
  })
  .strict();

export type Address = z.infer<typeof addressSchema>;

const metadataSchema = z
  .record(z.string().min(1).max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`)
  .refine((value) => JSON.stringify(value).length <= MAX_METADATA_BYTES, `at most ${MAX_METADATA_BYTES} bytes`);

const emailSchema = z.string().trim().max(254).pipe(z.email('must be a valid email address')).transform(normalizeEmail);

export const createCustomerInputSchema = z.object({
  email: emailSchema,
  name: optionalText(200),
  phone: z.string().trim().regex(/^\+?[0-9 ()\-.]{3,30}$/, 'must be a phone number').nullish(),
  address: addressSchema.nullish(),
  metadata: metadataSchema.nullish(),
});

/** Every field optional; null clears a nullable field; email can change but not be cleared. */
export const updateCustomerInputSchema = createCustomerInputSchema.partial().extend({ email: emailSchema.optional() });

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
