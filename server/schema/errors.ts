import { CatalogError, EmailTakenError, InvalidInvoiceTransitionError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { builder } from './builder.js';

// Typed errors: members of the mutations' result unions, each with a stable `code`.

export const ErrorInterface = builder.interfaceRef<CatalogError>('Error').implement({
  description: 'An expected failure a client can act on; branch on `code` or on the concrete type.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  description: 'What is wrong with one input field (dotted path, e.g. `address.country`).',
  fields: (t) => ({
    field: t.exposeString('field'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    fields: t.field({ type: [FieldErrorRef], resolve: (error) => error.fields }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    id: t.exposeID('id'),
  }),
});

builder.objectType(EmailTakenError, {
  name: 'EmailTakenError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EmailTakenError,
  fields: (t) => ({
    email: t.exposeString('email'),
  }),
});

builder.objectType(InvalidInvoiceTransitionError, {
  name: 'InvalidInvoiceTransitionError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidInvoiceTransitionError,
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'The invoice status that does not allow the operation.' }),
  }),
});
