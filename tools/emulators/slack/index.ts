/**
 * A stand-in for Slack's Web API on loopback, for tests and `npm run demo`.
 *
 *   const emulator = await startSlackEmulator();
 *   new App({ token: "xoxb-…", signingSecret, clientOptions: { slackApiUrl: emulator.apiUrl } });
 *
 * It keeps a model of the workspace in `emulator.world` (channels, members, messages, threads,
 * ephemerals, views, files) rather than a bare call log, so a sandbox UI can render it. Every call
 * is still recorded in `emulator.calls`, and `emulator.faults` injects 429s, outages and delays.
 * `emulator.socketMode` serves Socket Mode (`apps.connections.open` with an xapp- token, then a
 * WebSocket) and delivers slash commands, interactions and events over it.
 */
export type { Args } from "./args.ts";
export { blocksToText } from "./block-kit.ts";
export { type DescribeOptions, describeActivity, humanizeMrkdwn } from "./describe.ts";
export type { FaultEffect, FaultInjector, FaultScope, FaultSpec, InjectedFault } from "./faults.ts";
export {
  type RecordedCall,
  type SlackEmulator,
  type SlackEmulatorOptions,
  startSlackEmulator,
} from "./server.ts";
export type {
  DeliveryOptions,
  EnvelopeType,
  SocketConnection,
  SocketDelivery,
  SocketModeEmulator,
  SocketPayload,
} from "./socket-mode.ts";
export {
  type ActivityListener,
  type Block,
  type ChannelRef,
  defaultSeed,
  nextTriggerId,
  type SeedChannel,
  type SeedData,
  type SlackActivity,
  type SlackChannel,
  type SlackEphemeral,
  type SlackFile,
  type SlackMessage,
  type SlackTeam,
  type SlackUser,
  type SlackUserGroup,
  type SlackView,
  type UserRef,
  World,
} from "./world.ts";
