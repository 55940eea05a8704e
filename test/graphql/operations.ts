import { graphql } from '../../generated/graphql/gql.js';

// The operations the API tests run, typed by graphql-codegen (npm run codegen).

export const CustomerFields = graphql(`
  fragment CustomerFields on Customer {
    id
    email
    name
    phone
    address { line1 line2 city state postalCode country }
    metadata
    version
    createdAt
    updatedAt
    syncStates { integration remoteId status lastSyncedAt lastError attempts nextAttemptAt }
  }
`);

export const CreateCustomer = graphql(`
  mutation CreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      __typename
      ... on CreateCustomerSuccess { customer { ...CustomerFields } }
      ... on ValidationError { code message fields { field message } }
      ... on EmailTakenError { code message email }
    }
  }
`);

export const UpdateCustomer = graphql(`
  mutation UpdateCustomer($id: ID!, $input: UpdateCustomerInput!) {
    updateCustomer(id: $id, input: $input) {
      __typename
      ... on UpdateCustomerSuccess { customer { ...CustomerFields } }
      ... on ValidationError { code message fields { field message } }
      ... on NotFoundError { code message id }
      ... on EmailTakenError { code message email }
    }
  }
`);

export const DeleteCustomer = graphql(`
  mutation DeleteCustomer($id: ID!) {
    deleteCustomer(id: $id) {
      __typename
      ... on DeleteCustomerSuccess { deletedId }
      ... on NotFoundError { code message id }
    }
  }
`);

export const GetCustomer = graphql(`
  query GetCustomer($id: ID!) {
    customer(id: $id) { ...CustomerFields }
  }
`);

export const ListCustomers = graphql(`
  query ListCustomers($first: Int, $after: String, $last: Int, $before: String, $filter: CustomerFilter, $orderBy: CustomerOrderBy) {
    customers(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...CustomerFields } }
    }
  }
`);

export const GetNode = graphql(`
  query GetNode($id: ID!) {
    node(id: $id) { __typename id ... on Customer { email } }
  }
`);

export const ResyncCustomer = graphql(`
  mutation ResyncCustomer($id: ID!, $integration: String!) {
    resyncCustomer(id: $id, integration: $integration) {
      __typename
      ... on ResyncCustomerSuccess { customer { id version } }
      ... on NotFoundError { code id }
      ... on ValidationError { code fields { field message } }
    }
  }
`);

export const WatchSyncEvents = graphql(`
  subscription WatchSyncEvents($filter: SyncEventFilter) {
    syncEvents(filter: $filter) { id type customerId integration remoteId status message occurredAt }
  }
`);

export const ReplaySyncEvents = graphql(`
  subscription ReplaySyncEvents($filter: SyncEventFilter, $since: DateTime) {
    syncEvents(filter: $filter, since: $since) { id type catalog entityId customerId integration status message causationId occurredAt }
  }
`);

export const SyncOverview = graphql(`
  query SyncOverview {
    syncOverview { generatedAt integrations { integration catalog pending synced retrying failed conflicts } }
  }
`);

export const SyncProblems = graphql(`
  query SyncProblems($first: Int, $after: String, $filter: SyncProblemFilter) {
    syncProblems(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id catalog entityId customerId integration remoteId status lastError attempts nextAttemptAt updatedAt } }
    }
  }
`);

export const ListSyncConflicts = graphql(`
  query ListSyncConflicts($first: Int, $after: String, $filter: SyncConflictFilter) {
    syncConflicts(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id catalog entityId integration remoteId kind field localValue remoteValue winner policy createdAt } }
    }
  }
`);

export const CustomerConflicts = graphql(`
  query CustomerConflicts($id: ID!) {
    customer(id: $id) { id syncConflicts { kind field localValue remoteValue winner policy } }
  }
`);

export const InvoiceFields = graphql(`
  fragment InvoiceFields on Invoice {
    id
    customerId
    currency
    status
    total
    dueDate
    lines { description quantity unitAmount amount }
    metadata
    version
    syncStates { integration status remoteId }
  }
`);

export const CreateInvoice = graphql(`
  mutation CreateInvoice($input: CreateInvoiceInput!) {
    createInvoice(input: $input) {
      __typename
      ... on CreateInvoiceSuccess { invoice { ...InvoiceFields } }
      ... on ValidationError { code message fields { field message } }
      ... on NotFoundError { code message id }
    }
  }
`);

export const UpdateInvoice = graphql(`
  mutation UpdateInvoice($id: ID!, $input: UpdateInvoiceInput!) {
    updateInvoice(id: $id, input: $input) {
      __typename
      ... on UpdateInvoiceSuccess { invoice { ...InvoiceFields } }
      ... on ValidationError { code message fields { field message } }
      ... on NotFoundError { code message id }
      ... on InvalidInvoiceTransitionError { code message id status }
    }
  }
`);

export const FinalizeInvoice = graphql(`
  mutation FinalizeInvoice($id: ID!) {
    finalizeInvoice(id: $id) {
      __typename
      ... on FinalizeInvoiceSuccess { invoice { ...InvoiceFields } }
      ... on NotFoundError { code id }
      ... on InvalidInvoiceTransitionError { code id status }
    }
  }
`);

export const MarkInvoicePaid = graphql(`
  mutation MarkInvoicePaid($id: ID!) {
    markInvoicePaid(id: $id) {
      __typename
      ... on MarkInvoicePaidSuccess { invoice { ...InvoiceFields } }
      ... on NotFoundError { code id }
      ... on InvalidInvoiceTransitionError { code id status }
    }
  }
`);

export const VoidInvoice = graphql(`
  mutation VoidInvoice($id: ID!) {
    voidInvoice(id: $id) {
      __typename
      ... on VoidInvoiceSuccess { invoice { ...InvoiceFields } }
      ... on NotFoundError { code id }
      ... on InvalidInvoiceTransitionError { code id status }
    }
  }
`);

export const GetInvoice = graphql(`
  query GetInvoice($id: ID!) {
    invoice(id: $id) { ...InvoiceFields }
  }
`);

export const ListInvoices = graphql(`
  query ListInvoices($first: Int, $after: String, $filter: InvoiceFilter) {
    invoices(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id status customerId total } }
    }
  }
`);

export const CustomerInvoices = graphql(`
  query CustomerInvoices($id: ID!) {
    customer(id: $id) { id invoices(first: 10) { totalCount edges { node { id status } } } }
  }
`);

export const InvoicesOfCustomer = graphql(`
  query InvoicesOfCustomer($first: Int, $after: String, $customerId: ID!) {
    invoices(first: $first, after: $after, filter: { customerId: $customerId }) {
      pageInfo { hasNextPage endCursor }
      edges { node { ...InvoiceFields } }
    }
  }
`);
