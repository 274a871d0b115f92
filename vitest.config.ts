import { defineConfig } from "vitest/config";

// `npm test`: everything on the embedded PGlite, with no external services.
// The browser suite (`*.browser.test.ts`, needs Debian's Chromium) runs with
// `npm run test:browser`; the container suite (`*.container.test.ts`, needs
// Docker and a built image) with `npm run test:container`.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.browser.test.ts", "test/**/*.container.test.ts", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
