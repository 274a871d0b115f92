import { NoticeTemplateError } from "../capabilities/notices/templates.ts";
import { inspect } from "node:util";
import { ConfigError, loadConfig } from "../core/config/env.ts";
import { PlaybookError } from "../core/config/playbook.ts";
import { redactSecrets } from "../core/config/redact.ts";
import { MigrationError } from "../core/db/migrate.ts";
import { startApp } from "../main.ts";

// The bot process: settings, start, and shutdown on SIGTERM/SIGINT (loaded by start.ts).

// A promise some library (or we) forgot to handle must not take every incident
// down with it: Node's default is to exit. It is logged as an error so it gets
// fixed; the work it belonged to is durable (timers, outboxes) and retried.
process.on("unhandledRejection", (reason: unknown) => {
  console.error(redactSecrets(`unhandled promise rejection (kept running): ${inspect(reason)}`));
});

try {
  const app = await startApp({ config: loadConfig(process.env) });
  const shutdown = (signal: string) => {
    app.log.info({ signal }, "signal received");
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof PlaybookError ||
    error instanceof NoticeTemplateError ||
    error instanceof MigrationError
  ) {
    console.error(redactSecrets(error.message));
  } else {
    // Library errors (URL parsers, drivers) may quote a setting: only redacted text is printed.
    console.error(redactSecrets(`The incident bot failed to start: ${inspect(error)}`));
  }
  process.exit(1);
}
