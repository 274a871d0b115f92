import { afterEach, describe, expect, it } from "vitest";
import type { Playbook } from "../../src/core/config/playbook.ts";
import type { GitHubEmulator } from "../../tools/emulators/github/index.ts";
import { createActionItem } from "../../src/capabilities/followups/action-items.ts";
import type { FollowUpCapability } from "../../src/capabilities/followups/capability.ts";
import { createIncidentRepository } from "../../src/domain/incidents/repository.ts";
import { type TestBot, githubRepository } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { command as runCommand, declareByForm, startBotWithGitHub, stopBotAndGitHub } from "../support/scenario.ts";

/**
 * What reaches GitHub from a private incident (followUps.privateIncidents),
 * and how a source URL is rendered into an issue body, against the GitHub
 * API emulator.
 */

let bot: TestBot;
let github: GitHubEmulator;
let channelId: string;

afterEach(() => stopBotAndGitHub(bot, github));

type Mode = Playbook["followUps"]["privateIncidents"];

const secretTitle = "Leaked credentials in acme-payments";
const secretSummary = "An AWS key for acme-payments was pushed to a public gist";

/** The GitHub emulator, a bot with follow-ups on it in `mode`, and a SEV1 declared by bob through the form. */
async function start(mode: Mode | undefined, visibility: "private" | "public" = "private") {
  const book = quietPlaybook();
  ({ bot, github } = await startBotWithGitHub({
    label: `github-private-${mode ?? "default"}`,
    clock: new ManualClock(new Date("2026-11-30T09:00:00Z")),
    playbook: mode ? { ...book, followUps: { ...book.followUps, privateIncidents: mode } } : book,
  }));
  const incident = await declareByForm(
    bot,
    { title: secretTitle, severity: "SEV1", summary: secretSummary, isPrivate: visibility === "private" },
    "U0BOB",
  );
  expect(incident.isPrivate).toBe(visibility === "private");
  channelId = incident.channelId;
}

/** `/incident <text>` by bob in the incident's channel. */
const command = (text: string) => runCommand(bot, text, { userId: "U0BOB", channelId });

/** A whole private incident: an internal update, an action item, resolved, then the postmortem. */
async function runIncident() {
  await bot.advance(minutes(5));
  await command("update identified Internal only: rotated the key of the payments service");
  await command("action Rotate the payments deploy key <@U0DAVE|dave> due:2026-12-07");
  await bot.advance(minutes(20));
  await command("resolve Key revoked and rotated");
  await command("postmortem");
}

const createCalls = () => github.callsTo("POST /repos/:owner/:repo/issues");
type SentIssue = { title: string; body: string; labels: string[] };
const sent = () => createCalls().map((call) => call.body as SentIssue);
const lastEphemeral = () => bot.emulator.ephemeralsFor("U0BOB").at(-1)?.text ?? "";
const secrets = [secretTitle, "acme-payments", secretSummary, "Internal only", "Rotate the payments deploy key", "Key revoked"];

describe("followUps.privateIncidents", () => {
  it("redacted (the default): neutral titles and bodies, nothing typed in the private channel", async () => {
    await start(undefined);
    await runIncident();

    const issues = sent();
    expect(issues).toHaveLength(2);
    const [item, postmortem] = issues as [SentIssue, SentIssue];
    expect(item.title).toBe("INC-1: Follow-up from a private incident");
    expect(item.labels).toEqual(["incident", "SEV1", "INC-1"]);
    expect(item.body).toContain(`https://slack.com/app_redirect?channel=${channelId}`);
    expect(item.body).toContain("Due: 2026-12-07");
    expect(item.body).toMatch(/<!-- incident-bot:action-item:[0-9a-f-]{36} -->/);

    expect(postmortem.title).toBe("Postmortem: INC-1 (private incident)");
    expect(postmortem.labels).toEqual(["postmortem", "incident", "SEV1", "INC-1"]);
    expect(postmortem.body).toContain(`https://slack.com/app_redirect?channel=${channelId}`);
    expect(postmortem.body).not.toContain("## Timeline");
    expect(postmortem.body).toMatch(/<!-- incident-bot:postmortem:[0-9a-f-]{36} -->/);
    // The item's issue is linked, not its text.
    const itemIssue = github.world.issues("acme/ops").find((issue) => issue.title === item.title)!;
    expect(postmortem.body).toContain(`#${itemIssue.number}`);

    for (const issue of issues) {
      for (const secret of secrets) {
        expect(issue.title).not.toContain(secret);
        expect(issue.body).not.toContain(secret);
        expect(issue.labels.join(" ")).not.toContain(secret);
      }
    }

    // The item is still mirrored both ways: the issue exists and the item knows it.
    expect((await bot.app.db.prisma.actionItem.findFirstOrThrow()).githubState).toBe("created");
    // The team still gets the full draft, in the private channel only.
    const file = bot.emulator.world.files.find((f) => f.name === "INC-1-postmortem.md");
    expect(file?.bytes?.toString("utf8")).toContain("Internal only");
  });

  it("skip: no GitHub call at all; the item and the postmortem stay in Slack, and say why", async () => {
    await start("skip");
    await bot.advance(minutes(5));
    await command("action Rotate the payments deploy key <@U0DAVE|dave> due:2026-12-07");
    expect(lastEphemeral()).toContain("private");
    expect(lastEphemeral()).toContain("followUps.privateIncidents");
    const added = bot.emulator.world.messages(channelId).find((m) => m.text.includes("added an action item"))!;
    expect(added.text).toContain("private");
    expect(added.text).not.toContain("GitHub is not configured");

    await command("resolve Key revoked and rotated");
    await command("postmortem");
    expect(lastEphemeral()).toContain("uploaded it to");
    expect(lastEphemeral()).not.toContain("GITHUB_TOKEN and GITHUB_REPOSITORY are not set");
    expect(bot.emulator.world.messages(channelId).some((m) => m.text.includes("followUps.privateIncidents"))).toBe(true);
    expect(bot.emulator.world.files.some((f) => f.name === "INC-1-postmortem.md")).toBe(true);

    // Marking the item done pushes nothing either.
    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    expect(item.githubState).toBe("off");
    expect((await bot.app.db.prisma.postmortem.findFirstOrThrow()).githubState).toBe("off");
    await bot.send.blockAction({ action_id: "action_item_mark_done", value: item.id }, { userId: "U0BOB", channelId });
    await bot.advance(minutes(30));
    // Only the periodic reconcile reads the repository's issue list (it reads, and sends nothing).
    expect(github.calls.filter((call) => call.route !== "GET /repos/:owner/:repo/issues")).toEqual([]);
    expect(github.calls.every((call) => call.method === "GET")).toBe(true);
    expect(github.world.issues("acme/ops")).toHaveLength(0);
    expect(await bot.app.db.prisma.timer.count({ where: { kind: { in: ["github.open_issue", "github.push_issue_state"] } } })).toBe(0);
  });

  it("full: exported as for a public incident", async () => {
    await start("full");
    await runIncident();
    const [item, postmortem] = sent() as [SentIssue, SentIssue];
    expect(item.title).toBe("INC-1: Rotate the payments deploy key");
    expect(item.body).toContain(secretTitle);
    expect(postmortem.title).toBe(`Postmortem: INC-1: ${secretTitle}`);
    expect(postmortem.body).toContain("## Timeline");
    expect(postmortem.body).toContain("Internal only");
  });

  it("a public incident is exported in full whatever the setting", async () => {
    await start("skip", "public");
    await command("action Rotate the payments deploy key");
    expect(sent().map((issue) => issue.title)).toEqual(["INC-1: Rotate the payments deploy key"]);
  });
});

/** A follow-up capability over the running app's database, as the follow-ups module builds one (src/capabilities/followups/module.ts). */
function followUpCapability(): FollowUpCapability {
  return {
    prisma: bot.app.db.prisma,
    incidents: createIncidentRepository(bot.app.db.prisma),
    playbook: quietPlaybook(),
    clock: bot.clock,
    log: bot.app.log,
    slack: bot.app.slack,
    access: bot.app.access,
    wake: () => bot.app.scheduler.wake(),
    githubRepository,
    actionItemsChanged: () => undefined,
    track: (work) => void bot.app.tasks.track(work),
  };
}

describe("the source message's URL in an issue body", () => {
  async function itemWithSource(sourceUrl: string): Promise<string> {
    const capability = followUpCapability();
    const incident = (await capability.incidents.findById((await bot.app.db.prisma.incident.findFirstOrThrow()).id))!;
    await createActionItem(capability, incident, { text: "Follow up on this", createdBy: "U0BOB", sourceUrl });
    await bot.settle();
    return sent().at(-1)!.body;
  }

  it("renders a hostile URL inert: no HTML, no mention, no marker", async () => {
    await start(undefined, "public");
    const forged = "<!-- incident-bot:action-item:00000000-0000-0000-0000-000000000000 -->";
    const body = await itemWithSource(`https://x/"><img src=x onerror=alert(1)> @acme/everyone ${forged}`);
    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    expect(item.githubState).toBe("created");
    expect(body).not.toContain("<img");
    expect(body).not.toContain('">');
    expect(body).not.toMatch(/@acme/);
    expect(body).not.toContain(forged);
    expect(body).not.toContain("<!--  ");
    // Exactly one marker: the item's own.
    expect(body.match(/<!--/g)).toHaveLength(1);
    expect(body).toContain(`<!-- incident-bot:action-item:${item.id} -->`);
  });

  it("keeps a real Slack permalink, and drops what is not an http(s) URL", async () => {
    await start(undefined, "public");
    const permalink = "https://acme.slack.com/archives/C0123ABC/p1764493200000100?thread_ts=1764493100.000200&cid=C0123ABC";
    expect(await itemWithSource(permalink)).toContain(`[the Slack message](${permalink})`);
    for (const hostile of ["javascript:alert(1)", "data:text/html,<b>x</b>", "not a url", "https://@acme@evil.example/"]) {
      const body = await itemWithSource(hostile);
      expect(body).not.toContain("Slack message");
      expect(body).not.toContain("javascript:");
      expect(body).not.toContain("<b>");
      expect(body).not.toMatch(/@acme/);
    }
  });
});
