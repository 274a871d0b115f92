import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App } from "@slack/bolt";

// The baseline: a Bolt app in HTTP mode whose only listener acks /incident.
const app = new App({
  token: "xoxb-bench",
  signingSecret: process.env.SLACK_SIGNING_SECRET!,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL! },
});
app.command("/incident", async ({ ack }) => {
  await ack();
});
const server = (await app.start(0)) as Server;
process.stdout.write(
  `${JSON.stringify({ msg: "listening", port: (server.address() as AddressInfo).port })}\n`,
);
process.once("SIGTERM", () => {
  void app.stop().then(() => process.exit(0));
});
