/** What GraphiQL shows in its first tab. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to catalog-gateway.
# Create a customer, then list customers with their sync state.

mutation Create {
  createCustomer(input: { email: "ada@example.com", name: "Ada Lovelace" }) {
    __typename
    ... on CreateCustomerSuccess { customer { id email version } }
    ... on Error { code message }
  }
}

query List {
  customers(first: 10, orderBy: { field: CREATED_AT, direction: DESC }) {
    totalCount
    edges { node { id email name version syncStates { integration status remoteId } } }
  }
}
`;
