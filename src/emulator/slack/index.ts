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
