import { defineConfig } from "vitest/config";

// `npm run test:container`: the built image (CONTAINER_IMAGE, default
// incident-bot:ci) run with Docker against the Slack emulator and the
// PostgreSQL in DATABASE_URL. `.ci/container.sh` builds the image and runs
// this; it needs a Docker daemon, so the other configs exclude it.
export default defineConfig({
  test: {
    include: ["test/**/*.container.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
