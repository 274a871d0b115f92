// Lint configuration. ESLint with typescript-eslint's recommended rules.
// (Biome was the first choice, but its platform binaries for other systems
// are not served by the registry here, which leaves `npm ci` unable to
// install from the lock file.)
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["src/generated/**", "dist/**", "node_modules/**", "bench/results/**", "tmp/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // Every Slack entry point goes through the router, which asks the access policy first
    // (src/adapters/slack/router.ts). A listener registered on Bolt directly would skip it.
    files: ["src/**/*.ts"],
    ignores: ["src/adapters/slack/router.ts", "tools/emulators/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(action|view|shortcut|event|command|options|message)$/][callee.object.name=/^app$/]",
          message: "Register Slack entry points with the SlackRouter (src/adapters/slack/router.ts), so the access policy decides first.",
        },
        {
          selector:
            "MemberExpression[object.property.name='timelineEvent'][property.name=/^(create|createMany|update|updateMany|upsert|delete|deleteMany)$/]",
          message: "The timeline has one writer: appendTimeline (src/domain/incidents/timeline.ts).",
        },
        {
          selector: "MemberExpression[object.property.name='timer']",
          message: "Timers are the scheduler's: use its API (src/core/scheduler/timers.ts).",
        },
        {
          selector:
            "MemberExpression[object.property.name='roleAssignment'][property.name=/^(upsert|update|updateMany)$/]",
          message: "Roles are assigned through assignRole (src/domain/incidents/roles.ts), which also publishes the event.",
        },
      ],
    },
  },
  {
    // The owners themselves.
    files: ["src/domain/incidents/timeline.ts", "src/domain/incidents/roles.ts", "src/core/scheduler/**"],
    rules: { "no-restricted-syntax": "off" },
  },
);
