import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { authorizationHeader, type CredentialOption } from './credentials.js';

export interface GraphQLResponse<Data> {
  data?: Data | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * Sends a codegen-typed document to a gateway over real HTTP, with the test admin key unless
 * `options.token` names another credential (or null: none).
 */
export async function execute<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  options: CredentialOption = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...authorizationHeader(options) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as GraphQLResponse<Data>;
}

/** Like execute, but fails the test on any GraphQL error and returns the data. */
export async function data<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  options: CredentialOption = {},
): Promise<Data> {
  const result = await execute(url, document, variables, options);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}
