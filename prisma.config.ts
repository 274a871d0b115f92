// Prisma CLI configuration. The CLI is used only to generate the client and to
// author migrations (`npm run db:diff`). The app applies migrations itself at
// startup (src/core/db/migrate.ts): `prisma migrate deploy` needs a native engine
// download, and through the PGlite adapter it records failed migrations as
// applied. The "js" engine with an in-memory PGlite keeps the CLI offline.
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => new PrismaPGlite(new PGlite()),
});
