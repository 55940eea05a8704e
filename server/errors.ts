// Domain errors of the catalog. The GraphQL schema exposes each as a typed member of a mutation's
// result union (schema/errors.ts), with a stable `code` clients can branch on.

export interface FieldError {
  field: string;
  message: string;
}

export abstract class CatalogError extends Error {
  abstract readonly code: string;
}

export class ValidationError extends CatalogError {
  readonly code = 'VALIDATION_FAILED';
  override name = 'ValidationError';
  constructor(readonly fields: FieldError[]) {
    super(`invalid input: ${fields.map((field) => `${field.field}: ${field.message}`).join('; ')}`);
  }
}

export class NotFoundError extends CatalogError {
  readonly code = 'NOT_FOUND';
  override name = 'NotFoundError';
  constructor(readonly entity: string, readonly id: string) {
    super(`${entity} ${id} not found`);
  }
}

export class EmailTakenError extends CatalogError {
  readonly code = 'EMAIL_TAKEN';
  override name = 'EmailTakenError';
  constructor(readonly email: string) {
    super(`a customer with email ${email} already exists`);
  }
}

/** An invoice operation its current status does not allow (e.g. editing an invoice that is no longer a draft). */
export class InvalidInvoiceTransitionError extends CatalogError {
  readonly code = 'INVALID_TRANSITION';
  override name = 'InvalidInvoiceTransitionError';
  constructor(readonly id: string, readonly status: string, readonly operation: string) {
    super(`invoice ${id} is ${status}: cannot ${operation}`);
  }
}
