import type { Capability } from "../../domain/access/policy.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import { severityIds } from "../../core/config/playbook.ts";
import type { BackgroundTasks } from "../../core/background-tasks.ts";
import { err, ok, type Result } from "../../core/result.ts";
import {
  type AccessRequest,
  type CommandContext,
  defineSubcommand,
  type Subcommand,
  withIncidentReference,
} from "../../adapters/slack/command-router.ts";
import { escapeMrkdwn, mentionChannel } from "../../adapters/slack/escape.ts";
import type { SlackGateway } from "../../adapters/slack/gateway.ts";
import { type FieldErrors, formFields, type ViewValues } from "../../adapters/slack/payload.ts";
import type { SlackRouter } from "../../adapters/slack/router.ts";
import { type DeclareDependencies, type DeclareOutcome, declareIncident } from "./declare.ts";
import type { IncidentRepository, IncidentWithRoles, NewIncident } from "../../domain/incidents/repository.ts";
import {
  type IncidentStatus,
  incidentKey,
  parseComponents,
  parseIncidentReference,
  parseSeverity,
  parseStatus,
  validateSummary,
  validateTitle,
  validateUpdateMessage,
} from "../../domain/incidents/rules.ts";
import {
  changeSeverity,
  changeStatus,
  type StatusDependencies,
} from "./status-updates.ts";
import {
  actionIds,
  callbackIds,
  declareBlockIds,
  renderDeclareModal,
  renderOpenList,
  renderStatus,
  renderUpdateModal,
  updateBlockIds,
} from "./views.ts";

export interface IncidentCapability {
  declare: DeclareDependencies;
  incidents: IncidentRepository;
  slack: SlackGateway;
  playbook: Playbook;
  tasks: BackgroundTasks;
  status: StatusDependencies;
}

type DeclareArgs = { mode: "modal" } | { mode: "quick"; severity: string; title: string };

export function parseDeclareArgs(
  rest: string,
  knownSeverities: readonly string[],
): Result<DeclareArgs> {
  if (rest === "") return { ok: true, value: { mode: "modal" } };
  const [severityWord = "", ...titleWords] = rest.split(/\s+/);
  const severity = parseSeverity(severityWord, knownSeverities);
  if (!severity.ok) return severity;
  const title = validateTitle(titleWords.join(" "));
  if (!title.ok) return title;
  return { ok: true, value: { mode: "quick", severity: severity.value, title: title.value } };
}

/** An optional `INC-42`; without it the incident is the one whose channel this is. */
function parseOptionalReference(rest: string): Result<{ number?: number }> {
  if (rest === "") return { ok: true, value: {} };
  const number = parseIncidentReference(rest);
  if (number === undefined) {
    return { ok: false, error: `"${rest}" is not an incident reference such as INC-42.` };
  }
  return { ok: true, value: { number } };
}

export function incidentSubcommands(capability: IncidentCapability): Subcommand<unknown>[] {
  const { playbook } = capability;
  const severities = severityIds(playbook);
  const about = (number: number | undefined, needs: Capability | Capability[]): AccessRequest => ({
    kind: "incident",
    number,
    needs,
  });

  const declare = defineSubcommand<DeclareArgs>({
    name: "declare",
    usage: "[<severity> <title>]",
    summary: `Declares an incident: opens a form, or declares at once with a severity (${severities.join(", ")}) and a title.`,
    parse: (rest) => parseDeclareArgs(rest, severities),
    access: () => ({ kind: "none", why: "declares a new incident; anyone in the workspace may" }),
    run: async (args, context) => {
      const { userId, channelId } = context.invocation;
      if (args.mode === "modal") {
        await context.openView(renderDeclareModal(playbook, JSON.stringify({ channelId })));
        return;
      }
      const outcome = await declareIncident(capability.declare, {
        title: args.title,
        severity: args.severity,
        summary: "",
        components: [],
        customerImpact: false,
        isPrivate: false,
        declaredBy: userId,
      });
      await context.reply({ text: describeOutcome(outcome) });
    },
  });

  const status = defineSubcommand<{ number?: number }>({
    name: "status",
    usage: "[INC-<number>]",
    summary: "Shows the incident of this channel, or the one named.",
    parse: parseOptionalReference,
    access: (args) => about(args.number, "view"),
    run: async (_args, context) => {
      await context.reply(renderStatus(context.incident!));
    },
  });

  const list = defineSubcommand<Record<string, never>>({
    name: "list",
    usage: "",
    summary: "Lists open incidents.",
    parse: (rest) =>
      rest === "" ? { ok: true, value: {} } : { ok: false, error: "`list` takes no arguments." },
    access: () => ({ kind: "none", why: "lists only the incidents the person may see" }),
    run: async (_args, context) => {
      const visible = await context.access.visibleTo(await capability.incidents.listOpen(), context.invocation.userId);
      await context.reply(renderOpenList(visible));
    },
  });

  const update = defineSubcommand<{
    number?: number;
    status: IncidentStatus;
    message: string;
    isPublic: boolean;
  }>({
    name: "update",
    usage: "[INC-<n>] <investigating|identified|monitoring|resolved> <message> [--public]",
    summary:
      "Posts a status update in the incident channel and the announcement thread; resets the reminder. `--public` also puts it on the status page.",
    parse: parseUpdateArgs,
    access: (args) => about(args.number, updateNeeds(args)),
    run: async (args, context) =>
      answerChange(context, (incident) =>
        changeStatus(
          capability.status,
          incident,
          { type: "update", status: args.status, message: args.message, isPublic: args.isPublic },
          context.invocation.userId,
        ),
      ),
  });

  const resolve = defineSubcommand<{ number?: number; summary: string }>({
    name: "resolve",
    usage: "[INC-<n>] [summary]",
    summary: "Resolves the incident and stops its reminders.",
    parse: (rest) =>
      withIncidentReference(rest, (summaryText) => {
        const summary = validateSummary(summaryText);
        return summary.ok ? ok({ summary: summary.value }) : summary;
      }),
    access: (args) => about(args.number, "resolve"),
    run: async (args, context) =>
      answerChange(context, (incident) =>
        changeStatus(
          capability.status,
          incident,
          { type: "resolve", summary: args.summary },
          context.invocation.userId,
        ),
      ),
  });

  const reopen = defineSubcommand<{ number?: number }>({
    name: "reopen",
    usage: "[INC-<n>]",
    summary: "Reopens a resolved incident; reminders start again.",
    parse: parseOptionalReference,
    access: (args) => about(args.number, "resolve"),
    run: async (_args, context) =>
      answerChange(context, (incident) =>
        changeStatus(capability.status, incident, { type: "reopen" }, context.invocation.userId),
      ),
  });

  const severity = defineSubcommand<{ number?: number; severity: string }>({
    name: "severity",
    aliases: ["sev"],
    usage: `[INC-<n>] <${severities.join("|")}>`,
    summary: "Changes the severity; the update reminder follows the new cadence.",
    parse: (rest) =>
      withIncidentReference(rest, (severityText) => {
        const parsed = parseSeverity(severityText, severities);
        return parsed.ok ? ok({ severity: parsed.value }) : parsed;
      }),
    access: (args) => about(args.number, "changeSeverity"),
    run: async (args, context) =>
      answerChange(context, (incident) =>
        changeSeverity(capability.status, incident, args.severity, context.invocation.userId),
      ),
  });

  return [declare, update, status, list, severity, resolve, reopen];
}

/**
 * What a status update needs: a say in the incident, the resolve permission
 * to resolve it, and the publishStatus permission to put words on the public
 * status page. The slash command and the "Post update" form ask the same.
 */
export function updateNeeds(change: { status: IncidentStatus; isPublic: boolean }): Capability[] {
  return [
    "contribute",
    ...(change.status === "resolved" ? (["resolve"] as const) : []),
    ...(change.isPublic ? (["publishStatus"] as const) : []),
  ];
}

/**
 * Applies a change to the incident the router found and answers: errors
 * always, success only when typed outside the incident channel (inside it,
 * the posted message is the answer).
 */
async function answerChange(
  context: CommandContext,
  apply: (incident: IncidentWithRoles) => Promise<Result<IncidentWithRoles>>,
): Promise<void> {
  const incident = context.incident!;
  const result = await apply(incident);
  if (!result.ok) {
    await context.reply({ text: escapeMrkdwn(result.error) });
    return;
  }
  if (context.invocation.channelId !== incident.channelId) {
    await context.reply({
      text: `Done: ${incidentKey(incident.number)} is now ${result.value.severity}, ${result.value.status}. See ${mentionChannel(incident.channelId!)}.`,
    });
  }
}

export function parseUpdateArgs(
  rest: string,
): Result<{ number?: number; status: IncidentStatus; message: string; isPublic: boolean }> {
  return withIncidentReference(rest, (afterReference) => {
    const words = afterReference.split(/\s+/).filter(Boolean);
    const isPublic = words.includes("--public");
    const [statusWord = "", ...messageWords] = words.filter((word) => word !== "--public");
    const status = parseStatus(statusWord);
    if (!status.ok) return status;
    const message = validateUpdateMessage(messageWords.join(" "));
    if (!message.ok) return message;
    return ok({ status: status.value, message: message.value, isPublic });
  });
}

export function describeOutcome(outcome: DeclareOutcome): string {
  switch (outcome.kind) {
    case "declared": {
      const { incident } = outcome;
      return `Declared *${escapeMrkdwn(`${incidentKey(incident.number)}: ${incident.title}`)}* (${incident.severity}) in ${mentionChannel(incident.channelId!)}. You are the incident commander.`;
    }
    case "rolled_back":
      return `${outcome.reason} Nothing was recorded; please try again.${
        outcome.reason.includes("incident channel") ? " If it keeps failing, check that the bot has the channels:manage scope." : ""
      }`;
    case "incomplete": {
      const { incident } = outcome;
      return `Declared ${incidentKey(incident.number)} in ${mentionChannel(incident.channelId!)}, but setting it up did not finish: ${outcome.reason}. The bot finishes it when Slack recovers (at the latest on its next start).`;
    }
  }
}

/** What the declare form asks; the declarer is the person who submits it. */
type DeclareModalValues = Omit<NewIncident, "declaredBy">;

/** Reads the declare modal; returns the values or Slack's per-block errors. */
export function readDeclareModal(
  values: ViewValues,
  knownSeverities: readonly string[],
): Result<DeclareModalValues, FieldErrors> {
  const fields = formFields(values);
  const text = (block: string) => fields.text(block) ?? "";
  const selected = (block: string) => fields.selected(block) ?? "";
  const errors: FieldErrors = {};
  const title = validateTitle(text(declareBlockIds.title));
  if (!title.ok) errors[declareBlockIds.title] = title.error;
  const severity = parseSeverity(selected(declareBlockIds.severity), knownSeverities);
  if (!severity.ok) errors[declareBlockIds.severity] = severity.error;
  const summary = validateSummary(text(declareBlockIds.summary));
  if (!summary.ok) errors[declareBlockIds.summary] = summary.error;
  const components = parseComponents(text(declareBlockIds.components));
  if (!components.ok) errors[declareBlockIds.components] = components.error;
  if (!title.ok || !severity.ok || !summary.ok || !components.ok) return err(errors);
  return ok({
    title: title.value,
    severity: severity.value,
    summary: summary.value,
    components: components.value,
    customerImpact: selected(declareBlockIds.customerImpact) === "yes",
    isPrivate: selected(declareBlockIds.visibility) === "yes",
  });
}

/** Modal submissions and buttons that belong to the incident capability. */
export function registerIncidentInteractions(router: SlackRouter, capability: IncidentCapability): void {
  const severities = severityIds(capability.playbook);

  router.view({
    callbackId: callbackIds.declare,
    refusalBlock: declareBlockIds.title,
    read: (values) => readDeclareModal(values, severities),
    about: { open: "declares a new incident; anyone in the workspace may" },
    run: async (input, interaction) => {
      const outcome = await declareIncident(capability.declare, { ...input, declaredBy: interaction.userId });
      // A modal has no response_url; on success the new channel is the answer,
      // otherwise the declarer gets a DM saying what went wrong.
      if (outcome.kind !== "declared") await interaction.reply({ text: describeOutcome(outcome) });
    },
  });

  router.incidentButton({
    actionId: actionIds.postUpdate,
    needs: "contribute",
    run: async ({ incident }, _action, interaction) => {
      await interaction.openView(renderUpdateModal(incident));
    },
  });

  router.view({
    callbackId: callbackIds.update,
    refusalBlock: updateBlockIds.status,
    read: (values) => readUpdateModal(values),
    about: {
      locate: (fields) => router.incidentById(fields.incidentId),
      needs: (_located, change) => updateNeeds(change),
    },
    timing: "before-ack",
    run: async (change, { incident }, interaction) => {
      const result = await changeStatus(capability.status, incident, { type: "update", ...change }, interaction.userId);
      return result.ok ? undefined : { [updateBlockIds.status]: result.error };
    },
  });

  router.incidentButton({
    actionId: actionIds.showStatus,
    needs: "view",
    run: async ({ incident }, _action, interaction) => {
      await interaction.reply(renderStatus(incident));
    },
  });
}

/** Reads the "Post update" form: the status, the message and whether it goes on the status page. */
export function readUpdateModal(
  values: ViewValues,
): Result<{ status: IncidentStatus; message: string; isPublic: boolean }, FieldErrors> {
  const fields = formFields(values);
  const status = parseStatus(fields.selected(updateBlockIds.status) ?? "");
  const message = validateUpdateMessage(fields.text(updateBlockIds.message) ?? "");
  if (!status.ok || !message.ok) {
    const errors: FieldErrors = {};
    if (!status.ok) errors[updateBlockIds.status] = status.error;
    if (!message.ok) errors[updateBlockIds.message] = message.error;
    return err(errors);
  }
  const isPublic = fields.selectedValues(updateBlockIds.visibility).includes("public");
  return ok({ status: status.value, message: message.value, isPublic });
}
