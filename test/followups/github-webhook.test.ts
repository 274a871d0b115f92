import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { GitHubEmulator } from "../../tools/emulators/github/index.ts";
import { markActionItemDoneActionId } from "../../src/capabilities/followups/action-items.ts";
import { githubRepository, githubWebhookSecret, type TestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { addActionItem, declareIncident, startBotWithGitHub, stopBotAndGitHub } from "../support/scenario.ts";

/**
 * Closure sync: `POST /github/webhook` (signed, deduplicated) and the
 * periodic reconcile that catches a change whose webhook never came.
 */

let bot: TestBot;
let github: GitHubEmulator;
let channelId: string;

afterEach(() => stopBotAndGitHub(bot, github));

/** The GitHub emulator, a bot with follow-ups on it, an incident and one action item whose issue is open; returns the issue's number. */
async function startWithItem() {
  ({ bot, github } = await startBotWithGitHub({
    label: "github-webhook",
    clock: new ManualClock(new Date("2026-11-30T09:00:00Z")),
    playbook: quietPlaybook(),
  }));
  const incident = await declareIncident(bot, "sev2 Checkout API returning 500s", { userId: "U0BOB" });
  channelId = incident.channelId;
  await addActionItem(bot, incident, "Add an alert on checkout errors <@U0ALICE>", { by: "U0BOB" });
  // The opened/labeled/assigned deliveries of the new issue have been answered.
  await github.webhooks.idle();
  const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
  expect(item.githubState).toBe("created");
  return item.githubNumber!;
}

const item = () => bot.app.db.prisma.actionItem.findFirstOrThrow();

const signed = (payload: string, secret = githubWebhookSecret) =>
  `sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`;

/** An `issues` delivery made by hand (forged, late, or about another repository). */
const postWebhook = (payload: string, deliveryId: string, signature: string | undefined) =>
  fetch(`${bot.app.url}/github/webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": deliveryId,
      ...(signature ? { "x-hub-signature-256": signature } : {}),
    },
    body: payload,
  });
const timelineKinds = async () =>
  (await bot.app.db.prisma.timelineEvent.findMany({ orderBy: { id: "asc" } })).map((event) => event.kind);
const doneNotes = () => bot.emulator.world.messages(channelId).filter((message) => message.text.startsWith("✅ Action item done"));

describe("POST /github/webhook", () => {
  it("a closed issue marks the item done and says so in the channel; reopening reopens it", async () => {
    const number = await startWithItem();
    const { deliveries } = await github.closeIssue(githubRepository, number, { by: "alice" });
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200]);
    await bot.settle();
    expect(await item()).toMatchObject({ state: "done", doneBy: "github:alice" });
    expect(doneNotes()).toHaveLength(1);
    expect(doneNotes()[0]!.text).toContain(`was closed by alice`);

    await github.reopenIssue(githubRepository, number, { by: "alice" });
    await bot.settle();
    expect(await item()).toMatchObject({ state: "open", doneBy: null });
    expect((await timelineKinds()).filter((kind) => kind.startsWith("action_item_"))).toEqual([
      "action_item_added",
      "action_item_done",
      "action_item_reopened",
    ]);
  });

  it("a duplicate delivery is processed once", async () => {
    const number = await startWithItem();
    const { deliveries } = await github.closeIssue(githubRepository, number);
    // Reopened behind the bot's back, then the old "closed" delivery arrives again.
    await github.reopenIssue(githubRepository, number, { deliverWebhook: false });
    const again = await github.webhooks.redeliver(deliveries[0]!.id);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.responseBody!)).toEqual({ status: "duplicate" });
    await bot.settle();
    expect((await timelineKinds()).filter((kind) => kind === "action_item_done")).toHaveLength(1);
    expect(doneNotes()).toHaveLength(1);
    expect(await bot.app.db.prisma.processedGitHubDelivery.count({ where: { deliveryId: deliveries[0]!.id } })).toBe(1);
  });

  it("a bad signature gets 401 and changes nothing", async () => {
    const number = await startWithItem();
    const recordedBefore = await bot.app.db.prisma.processedGitHubDelivery.count();
    const payload = JSON.stringify({
      action: "closed",
      issue: { number, state: "closed", state_reason: "completed", updated_at: new Date().toISOString() },
      repository: { full_name: githubRepository },
      sender: { login: "mallory" },
    });
    const post = (signature: string | undefined) => postWebhook(payload, "forged-1", signature);
    const forged = signed(payload, "not-the-secret");
    for (const signature of [forged, undefined, "sha256=abc", forged.slice(0, -1)]) {
      const response = await post(signature);
      expect(response.status).toBe(401);
    }
    await bot.settle();
    expect((await item()).state).toBe("open");
    expect(await bot.app.db.prisma.processedGitHubDelivery.count()).toBe(recordedBefore);
    expect(doneNotes()).toHaveLength(0);
  });

  it("ignores events about other repositories and other actions", async () => {
    const number = await startWithItem();
    github.webhooks.resetDeliveries();
    await github.commentOnIssue(githubRepository, number, "Working on it");
    await github.editIssue(githubRepository, number, { title: "Renamed" });
    await bot.settle();
    expect((await item()).state).toBe("open");
    const delivered = github.webhooks.deliveries;
    expect(delivered.map((delivery) => `${delivery.event}.${delivery.action}`)).toEqual(["issues.edited"]);
    expect(JSON.parse(delivered[0]!.responseBody!)).toEqual({ status: "ignored" });

    // A correctly signed close of the same number in another repository.
    const payload = JSON.stringify({
      action: "closed",
      issue: { number, state: "closed", updated_at: new Date().toISOString() },
      repository: { full_name: "someone-else/elsewhere" },
    });
    const response = await postWebhook(payload, "elsewhere-1", signed(payload));
    expect(await response.json()).toEqual({ status: "ignored" });
    expect((await item()).state).toBe("open");
  });
});

describe("Mark done in Slack", () => {
  it("closes the GitHub issue once; the webhook that echoes it changes nothing", async () => {
    const number = await startWithItem();
    const { id } = await item();
    await bot.send.blockAction({ action_id: markActionItemDoneActionId, value: id }, { userId: "U0ALICE", channelId });
    await bot.settle();
    await github.webhooks.idle();
    await bot.settle();
    expect(await item()).toMatchObject({ state: "done", doneBy: "U0ALICE" });
    expect(github.world.issue(githubRepository, number)).toMatchObject({ state: "closed", state_reason: "completed" });
    const patches = github.callsTo("PATCH /repos/:owner/:repo/issues/:issue_number");
    expect(patches.map((call) => call.body)).toEqual([{ state: "closed", state_reason: "completed" }]);
    // The "closed" webhook came back: processed, but the item was already done.
    expect(github.webhooks.deliveriesFor("issues", "closed").map((delivery) => JSON.parse(delivery.responseBody!))).toEqual([
      { status: "processed" },
    ]);
    expect((await timelineKinds()).filter((kind) => kind === "action_item_done")).toHaveLength(1);

    // Pressing it again says so and does nothing more.
    await bot.send.blockAction({ action_id: markActionItemDoneActionId, value: id }, { userId: "U0BOB", channelId });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0BOB").at(-1)!.text).toBe("That action item was already done.");
    expect(github.callsTo("PATCH /repos/:owner/:repo/issues/:issue_number")).toHaveLength(1);
  });
});

describe("ordering: only news is applied", () => {
  it("a done in Slack survives a GitHub outage and the reconciles during it, then closes the issue", async () => {
    const number = await startWithItem();
    const { id } = await item();
    github.faults.add({ route: "PATCH /repos/:owner/:repo/issues/:issue_number", kind: "server_error", status: 503 });
    await bot.send.blockAction({ action_id: markActionItemDoneActionId, value: id }, { userId: "U0ALICE", channelId });
    await bot.settle();
    // Two reconciles run while the push to GitHub keeps failing: GitHub still says "open".
    await bot.advance(minutes(16));
    await bot.advance(minutes(15));
    expect(github.callsTo("GET /repos/:owner/:repo/issues").filter((call) => call.status === 200).length).toBeGreaterThanOrEqual(2);
    expect((await item()).state).toBe("done");
    expect(bot.emulator.world.messages(channelId).filter((message) => message.text.startsWith("↩️"))).toHaveLength(0);

    github.faults.clear();
    await bot.advance(minutes(20));
    await github.webhooks.idle();
    await bot.settle();
    expect((await item()).state).toBe("done");
    expect(github.world.issue(githubRepository, number)?.state).toBe("closed");
  });

  it("a late delivery of an older state changes nothing", async () => {
    const number = await startWithItem();
    const { deliveries } = await github.closeIssue(githubRepository, number, { by: "alice" });
    const closedAt = (deliveries[0]!.payload.issue as { updated_at: string }).updated_at;
    await github.reopenIssue(githubRepository, number, { by: "alice" });
    await bot.settle();
    expect((await item()).state).toBe("open");

    // The "closed" state again, under a new delivery ID, as if GitHub had delivered it late.
    const payload = JSON.stringify({
      action: "closed",
      issue: { number, state: "closed", state_reason: "completed", updated_at: new Date(Date.parse(closedAt) - 1000).toISOString() },
      repository: { full_name: githubRepository },
      sender: { login: "alice" },
    });
    const response = await postWebhook(payload, "late-1", signed(payload));
    expect(await response.json()).toEqual({ status: "processed" });
    await bot.settle();
    expect((await item()).state).toBe("open");
    expect(doneNotes()).toHaveLength(1);
  });
});

describe("reconcile", () => {
  it("catches a close whose webhook never came", async () => {
    const number = await startWithItem();
    await github.closeIssue(githubRepository, number, { by: "bob", deliverWebhook: false });
    await bot.settle();
    expect((await item()).state).toBe("open");

    await bot.advance(minutes(15));
    expect(await item()).toMatchObject({ state: "done", doneBy: "github:bob" });
    const done = await bot.app.db.prisma.timelineEvent.findFirstOrThrow({ where: { kind: "action_item_done" } });
    expect(done.data).toMatchObject({ via: "reconcile", githubNumber: number });
    expect(doneNotes()).toHaveLength(1);

    // The next runs find nothing new and post nothing more.
    await bot.advance(minutes(15));
    await bot.advance(minutes(15));
    expect(doneNotes()).toHaveLength(1);
    expect(github.callsTo("GET /repos/:owner/:repo/issues").length).toBeGreaterThanOrEqual(3);
  });
});
