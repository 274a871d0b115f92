import { defineConfig } from "vitest/config";

// `npm run test:browser`: real headless Chromium (Debian's `chromium` package)
// against the bot's own pages. `.ci/run` installs Chromium first.
export default defineConfig({
  test: {
    include: ["test/**/*.browser.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
