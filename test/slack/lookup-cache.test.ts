import { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSlackGateway, type SlackGateway } from "../../src/adapters/slack/gateway.ts";
import { createSlackLookupCache, defaultUserGroupTtlMs } from "../../src/adapters/slack/lookup-cache.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";

let emulator: SlackEmulator;
let clock: ManualClock;
let slack: SlackGateway;

beforeEach(async () => {
  emulator = await startSlackEmulator();
  clock = new ManualClock(new Date("2026-12-01T10:00:00Z"));
  const client = new WebClient("xoxb-cache-test", { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
  slack = createSlackLookupCache({ clock }).wrap(createSlackGateway(client));
});

afterEach(async () => {
  await emulator.close();
});

const callsTo = (method: string) => emulator.calls.filter((call) => call.method === method).length;

describe("the Slack lookup cache (real HTTP to the emulator)", () => {
  it("opens a person's DM channel once, also for concurrent lookups", async () => {
    const [first, second] = await Promise.all([slack.openDirectMessage("U0ALICE"), slack.openDirectMessage("U0ALICE")]);
    const third = await slack.openDirectMessage("U0ALICE");
    expect(new Set([first, second, third]).size).toBe(1);
    expect(callsTo("conversations.open")).toBe(1);
    await slack.openDirectMessage("U0BOB");
    expect(callsTo("conversations.open")).toBe(2);
  });

  it("reads a user group once per minute, so a rotation handover reaches paging within that minute", async () => {
    expect(await slack.userGroupMembers("S0ONCALL")).toEqual(["U0ALICE", "U0BOB"]);
    emulator.world.userGroup("S0ONCALL")!.users = ["U0CAROL"];
    clock.advance(defaultUserGroupTtlMs - 1);
    expect(await slack.userGroupMembers("S0ONCALL")).toEqual(["U0ALICE", "U0BOB"]);
    expect(callsTo("usergroups.users.list")).toBe(1);
    clock.advance(1);
    expect(await slack.userGroupMembers("S0ONCALL")).toEqual(["U0CAROL"]);
    expect(callsTo("usergroups.users.list")).toBe(2);
  });

  it("hands out a copy, so a caller changing its list does not change the cache", async () => {
    const members = await slack.userGroupMembers("S0ONCALL");
    members.push("U0MALLORY");
    expect(await slack.userGroupMembers("S0ONCALL")).toEqual(["U0ALICE", "U0BOB"]);
  });

  it("does not keep a failed lookup", async () => {
    emulator.faults.add({ method: "usergroups.users.list", kind: "server_error", times: 1 });
    await expect(slack.userGroupMembers("S0ONCALL")).rejects.toThrow();
    expect(await slack.userGroupMembers("S0ONCALL")).toEqual(["U0ALICE", "U0BOB"]);
    expect(callsTo("usergroups.users.list")).toBe(2);
  });

  it("forgets a DM channel Slack answers channel_not_found for, and opens it again", async () => {
    const channel = await slack.openDirectMessage("U0ALICE");
    emulator.faults.add({ method: "chat.postMessage", kind: "slack_error", error: "channel_not_found", times: 1 });
    await expect(slack.postMessage(channel, { text: "page" })).rejects.toThrow(/channel_not_found/);
    await new Promise((resolve) => setImmediate(resolve));
    const reopened = await slack.openDirectMessage("U0ALICE");
    expect(callsTo("conversations.open")).toBe(2);
    await slack.postMessage(reopened, { text: "page" });
    expect(emulator.world.messages(reopened).map((m) => m.text)).toContain("page");
  });
});
