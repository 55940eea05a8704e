import { GraphQLError } from 'graphql';
import { customerIdSchema } from '../catalog/customers/customer-input.js';
import { eraseCustomer } from '../retention/erase-customer.js';
import { builder } from './builder.js';

// Erasure of one person's data (README: Operations, retention). The sync CLI's `erase-customer`.

builder.mutationFields((t) => ({
  eraseCustomer: t.field({
    type: 'Boolean',
    authScopes: { scope: 'sync.admin' },
    description:
      "Removes one customer's personal data from every table: deletes a live customer (and so its remote copies), then clears the tombstone's personal fields, link bases, pending and parked changes, errors, conflicts and published outbox rows. False when there is no such customer.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const parsed = customerIdSchema.safeParse(String(args.id));
      if (!parsed.success) throw new GraphQLError('id: not a customer id', { extensions: { code: 'BAD_USER_INPUT' } });
      return eraseCustomer(ctx.prisma, ctx.customers, parsed.data);
    },
  }),
}));
