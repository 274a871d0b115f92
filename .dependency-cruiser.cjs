// The layering, checked in CI (`npm run lint:layers`, part of `npm run lint`).
// Each layer imports only the layers below it (docs/ARCHITECTURE.md):
//
//   app (main.ts, app/, cli/)  →  capabilities/*  →  adapters/*  →  domain/  →  core/
//
// Capabilities never import each other (they react to domain events), nor do
// the adapters; the product never imports the emulators, the demo or tests.
const layer = (name, from, forbiddenTo, comment) => ({
  name,
  severity: "error",
  comment,
  from: { path: from },
  to: { path: forbiddenTo },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "A file-level import cycle: give the shared part one owner both import.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-folder-cycle",
      severity: "error",
      scope: "folder",
      comment: "Two folders import each other: one of them belongs below the other.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    layer(
      "core-is-the-bottom",
      "^src/core/",
      "^src/(domain|adapters|capabilities|app|cli|main\\.ts)",
      "core/ is the platform (clock, database, HTTP, timers, events): it knows no incident, no Slack, no capability.",
    ),
    layer(
      "domain-above-core-only",
      "^src/domain/",
      "^src/(adapters|capabilities|app|cli|main\\.ts)",
      "domain/ is the incident record and the access policy: pure, above core only.",
    ),
    layer(
      "adapters-below-capabilities",
      "^src/adapters/",
      "^src/(capabilities|app|cli|main\\.ts)",
      "An adapter owns a transport (Slack, GitHub); it knows no capability.",
    ),
    {
      name: "adapters-do-not-import-each-other",
      severity: "error",
      comment: "Slack and GitHub adapters are independent; what both need lives in core/ or domain/.",
      from: { path: "^src/adapters/([^/]+)/" },
      to: { path: "^src/adapters/", pathNot: "^src/adapters/$1/" },
    },
    {
      name: "capabilities-do-not-import-each-other",
      severity: "error",
      comment: "A capability reacts to domain events instead of calling another; shared facts live in domain/.",
      from: { path: "^src/capabilities/([^/]+)/" },
      to: { path: "^src/capabilities/[^/]+/", pathNot: "^src/capabilities/$1/" },
    },
    layer(
      "capabilities-below-the-app",
      "^src/capabilities/",
      "^src/(app|cli|main\\.ts)",
      "Capabilities are installed by the composition root; they never reach back into it.",
    ),
    layer(
      "product-without-tools",
      "^src/",
      "^(tools|test|bench)/",
      "src/ is what runs in production: emulators, the demo and tests stay outside it.",
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs"] },
  },
};
