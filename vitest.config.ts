import { defineConfig } from "vitest/config";

// `npm test`: everything, on the embedded PGlite. No external services needed.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
