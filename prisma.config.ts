import { defineConfig } from 'prisma/config';

// Prisma 7 reads the connection from here (not from schema.prisma). `prisma generate` needs no
// database; `prisma migrate deploy` (for users whose machines can download the schema engine)
// applies the same SQL files that scripts/migrate.ts applies here.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://catalog:catalog@localhost:5432/catalog',
  },
});
