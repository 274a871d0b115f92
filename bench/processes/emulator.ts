import { startSlackEmulator } from "../../tools/emulators/slack/index.ts";

// The Slack emulator in a process of its own, so its work does not share an
// event loop with the server being measured or with the load generator.
const emulator = await startSlackEmulator();
process.stdout.write(
  `${JSON.stringify({ apiUrl: emulator.apiUrl, responseUrl: emulator.responseUrl("C0GENERAL", "U0ALICE") })}\n`,
);
process.once("SIGTERM", () => {
  void emulator.close().then(() => process.exit(0));
});
