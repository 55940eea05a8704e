import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the checked-in schema.graphql, for the tests and examples (client preset).
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/graphql/**/*.ts', 'examples/**/*.ts'],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'generated/graphql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
