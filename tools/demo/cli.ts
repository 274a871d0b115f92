import { runDemo } from "./run-demo.ts";

// `npm run demo`: no Slack workspace, no tokens, no database server needed.
await runDemo({ write: (line) => process.stdout.write(`${line}\n`) });
