/** What GraphiQL shows in its first tab: press run, then create a customer (in a new tab, or in Stripe). */
export const GRAPHIQL_DEFAULT_QUERY = `# Live sync activity. Press run (▶), then create a customer in a new tab:
#
#   mutation {
#     createCustomer(input: { email: "ada@example.com", name: "Ada Lovelace" }) {
#       __typename
#       ... on CreateCustomerSuccess { customer { id version syncStates { integration status remoteId } } }
#       ... on Error { code message }
#     }
#   }
#
# and watch LOCAL_CHANGE_PUBLISHED, then OUTBOUND_SYNCED (the customer is now in Stripe).
# A customer created in Stripe shows INBOUND_RECEIVED, then INBOUND_APPLIED.

subscription WatchSync {
  syncEvents {
    type
    customerId
    integration
    remoteId
    status
    message
    occurredAt
  }
}
`;
