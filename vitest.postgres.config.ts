import { defineConfig } from "vitest/config";

// `npm run test:postgres`: the suites that touch the database, on the real
// PostgreSQL in DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test),
// plus the ones that only make sense there (replicas, concurrent migrations).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The demo always runs on the embedded database, so it is not repeated here.
    exclude: [
      "test/**/*.unit.test.ts",
      "test/**/*.browser.test.ts",
      "test/**/*.container.test.ts",
      "test/emulator/**",
      "test/demo/**",
      // A real Prometheus and promtool against the bot: run once, by `npm test`.
      "test/ops/prometheus.test.ts",
      "test/ops/alert-rules.test.ts",
      // A real Alertmanager against the alert parsers, no database: run once, by `npm test`.
      "test/alerts/alertmanager-harness.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: { TEST_DATABASE: "postgres" },
  },
});
