import type { App, ViewSubmitAction } from "@slack/bolt";
import type { Permission, Playbook } from "../config/playbook.ts";
import { severityIds } from "../config/playbook.ts";
import { snoozeMinutes } from "../reminders/schedule.ts";
import type { BackgroundTasks } from "../shared/background-tasks.ts";
import {
  type CommandContext,
  defineSubcommand,
  type Parsed,
  type Subcommand,
} from "../slack/command-router.ts";
import { escapeMrkdwn, mentionChannel } from "../slack/escape.ts";
import type { SlackGateway } from "../slack/gateway.ts";
import { readViewMetadata } from "../slack/view-metadata.ts";
import { type DeclareDependencies, type DeclareOutcome, declareIncident } from "./declare.ts";
import { authorize } from "./permissions.ts";
import type { IncidentRepository, IncidentWithRoles } from "./repository.ts";
import {
  type IncidentStatus,
  incidentKey,
  parseComponents,
  parseIncidentReference,
  parseSeverity,
  parseStatus,
  splitIncidentReference,
  validateSummary,
  validateTitle,
  validateUpdateMessage,
} from "./rules.ts";
import {
  type ChangeResult,
  changeSeverity,
  changeStatus,
  type StatusChange,
  type StatusDependencies,
  snoozeReminder,
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
): Parsed<DeclareArgs> {
  if (rest === "") return { ok: true, value: { mode: "modal" } };
  const [severityWord = "", ...titleWords] = rest.split(/\s+/);
  const severity = parseSeverity(severityWord, knownSeverities);
  if (!severity.ok) return severity;
  const title = validateTitle(titleWords.join(" "));
  if (!title.ok) return title;
  return { ok: true, value: { mode: "quick", severity: severity.value, title: title.value } };
}

/** An optional `INC-42`; without it the incident is the one whose channel this is. */
function parseOptionalReference(rest: string): Parsed<{ number?: number }> {
  if (rest === "") return { ok: true, value: {} };
  const number = parseIncidentReference(rest);
  if (number === undefined) {
    return { ok: false, error: `"${rest}" is not an incident reference such as INC-42.` };
  }
  return { ok: true, value: { number } };
}

export function incidentSubcommands(capability: IncidentCapability): Subcommand<unknown>[] {
  const { incidents, playbook } = capability;
  const severities = severityIds(playbook);

  const declare = defineSubcommand<DeclareArgs>({
    name: "declare",
    usage: "[<severity> <title>]",
    summary: `Declares an incident: opens a form, or declares at once with a severity (${severities.join(", ")}) and a title.`,
    parse: (rest) => parseDeclareArgs(rest, severities),
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
    run: async (args, context) => {
      const incident = await findIncident(incidents, args.number, context.invocation.channelId);
      if (!incident) {
        await context.reply({ text: notFoundMessage(args.number) });
        return;
      }
      await context.reply(renderStatus(incident));
    },
  });

  const list = defineSubcommand<Record<string, never>>({
    name: "list",
    usage: "",
    summary: "Lists open incidents.",
    parse: (rest) =>
      rest === "" ? { ok: true, value: {} } : { ok: false, error: "`list` takes no arguments." },
    run: async (_args, context) => {
      await context.reply(renderOpenList(await incidents.listOpen()));
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
      "Posts a status update in the incident channel and the announcement thread; resets the reminder.",
    parse: parseUpdateArgs,
    run: async (args, context) =>
      withIncident(
        context,
        args.number,
        (incident) =>
          changeStatus(
            capability.status,
            incident,
            { type: "update", status: args.status, message: args.message, isPublic: args.isPublic },
            context.invocation.userId,
          ),
        args.status === "resolved" ? "resolve" : undefined,
      ),
  });

  const resolve = defineSubcommand<{ number?: number; summary: string }>({
    name: "resolve",
    usage: "[INC-<n>] [summary]",
    summary: "Resolves the incident and stops its reminders.",
    parse: (rest) => {
      const { number, rest: summaryText } = splitIncidentReference(rest);
      const summary = validateSummary(summaryText);
      if (!summary.ok) return summary;
      return {
        ok: true,
        value: { ...(number !== undefined ? { number } : {}), summary: summary.value },
      };
    },
    run: async (args, context) =>
      withIncident(
        context,
        args.number,
        (incident) =>
          changeStatus(
            capability.status,
            incident,
            { type: "resolve", summary: args.summary },
            context.invocation.userId,
          ),
        "resolve",
      ),
  });

  const reopen = defineSubcommand<{ number?: number }>({
    name: "reopen",
    usage: "[INC-<n>]",
    summary: "Reopens a resolved incident; reminders start again.",
    parse: parseOptionalReference,
    run: async (args, context) =>
      withIncident(
        context,
        args.number,
        (incident) =>
          changeStatus(capability.status, incident, { type: "reopen" }, context.invocation.userId),
        "resolve",
      ),
  });

  const severity = defineSubcommand<{ number?: number; severity: string }>({
    name: "severity",
    aliases: ["sev"],
    usage: `[INC-<n>] <${severities.join("|")}>`,
    summary: "Changes the severity; the update reminder follows the new cadence.",
    parse: (rest) => {
      const { number, rest: severityText } = splitIncidentReference(rest);
      const parsed = parseSeverity(severityText, severities);
      if (!parsed.ok) return parsed;
      return {
        ok: true,
        value: { ...(number !== undefined ? { number } : {}), severity: parsed.value },
      };
    },
    run: async (args, context) =>
      withIncident(
        context,
        args.number,
        (incident) =>
          changeSeverity(capability.status, incident, args.severity, context.invocation.userId),
        "changeSeverity",
      ),
  });

  /**
   * Finds the incident (named, or this channel's), applies the change, and
   * answers: errors always, success only when typed outside the incident
   * channel (inside it, the posted message is the answer).
   */
  async function withIncident(
    context: CommandContext,
    number: number | undefined,
    apply: (incident: IncidentWithRoles) => Promise<ChangeResult>,
    permission?: Permission,
  ): Promise<void> {
    const incident = await findIncident(incidents, number, context.invocation.channelId);
    if (!incident || incident.phase !== "active") {
      await context.reply({ text: notFoundMessage(number) });
      return;
    }
    if (permission) {
      const allowed = authorize(playbook, incident, context.invocation.userId, permission);
      if (!allowed.ok) {
        await context.reply({ text: allowed.error });
        return;
      }
    }
    const result = await apply(incident);
    if (!result.ok) {
      await context.reply({ text: escapeMrkdwn(result.error) });
      return;
    }
    if (context.invocation.channelId !== incident.channelId) {
      await context.reply({
        text: `Done: ${incidentKey(incident.number)} is now ${result.incident.severity}, ${result.incident.status}. See ${mentionChannel(incident.channelId!)}.`,
      });
    }
  }

  return [declare, update, status, list, severity, resolve, reopen];
}

export function parseUpdateArgs(
  rest: string,
): Parsed<{ number?: number; status: IncidentStatus; message: string; isPublic: boolean }> {
  const { number, rest: afterReference } = splitIncidentReference(rest);
  const words = afterReference.split(/\s+/).filter(Boolean);
  const isPublic = words.includes("--public");
  const [statusWord = "", ...messageWords] = words.filter((word) => word !== "--public");
  const status = parseStatus(statusWord);
  if (!status.ok) return status;
  const message = validateUpdateMessage(messageWords.join(" "));
  if (!message.ok) return message;
  return {
    ok: true,
    value: {
      ...(number !== undefined ? { number } : {}),
      status: status.value,
      message: message.value,
      isPublic,
    },
  };
}

export async function findIncident(
  incidents: IncidentRepository,
  number: number | undefined,
  channelId: string,
): Promise<IncidentWithRoles | null> {
  return number !== undefined ? incidents.findByNumber(number) : incidents.findByChannel(channelId);
}

export function notFoundMessage(number: number | undefined): string {
  return number !== undefined
    ? `There is no incident ${incidentKey(number)}. \`/incident list\` shows the open ones.`
    : "This channel is not an incident channel. Name the incident (`/incident status INC-42`) or run `/incident list`.";
}

export function describeOutcome(outcome: DeclareOutcome): string {
  switch (outcome.kind) {
    case "declared": {
      const { incident } = outcome;
      return `Declared *${escapeMrkdwn(`${incidentKey(incident.number)}: ${incident.title}`)}* (${incident.severity}) in ${mentionChannel(incident.channelId!)}. You are the incident commander.`;
    }
    case "rolled_back":
      return `${outcome.reason} Nothing was recorded; please try again. If it keeps failing, check that the bot has the channels:manage scope.`;
    case "incomplete": {
      const { incident } = outcome;
      return `Declared ${incidentKey(incident.number)} in ${mentionChannel(incident.channelId!)}, but setting it up did not finish: ${outcome.reason}. The bot finishes it when Slack recovers (at the latest on its next start).`;
    }
  }
}

interface DeclareModalValues {
  title: string;
  severity: string;
  summary: string;
  components: string[];
  customerImpact: boolean;
  isPrivate: boolean;
}

/** Reads the declare modal; returns the values or Slack's per-block errors. */
export function readDeclareModal(
  view: ViewSubmitAction["view"],
  knownSeverities: readonly string[],
): Parsed<DeclareModalValues> | { ok: false; errors: Record<string, string> } {
  const values = view.state.values;
  const text = (block: string) => values[block]?.value?.value ?? "";
  const selected = (block: string) => {
    const field = values[block]?.value;
    return field?.selected_option?.value ?? "";
  };
  const errors: Record<string, string> = {};
  const title = validateTitle(text(declareBlockIds.title));
  if (!title.ok) errors[declareBlockIds.title] = title.error;
  const severity = parseSeverity(selected(declareBlockIds.severity), knownSeverities);
  if (!severity.ok) errors[declareBlockIds.severity] = severity.error;
  const summary = validateSummary(text(declareBlockIds.summary));
  if (!summary.ok) errors[declareBlockIds.summary] = summary.error;
  const components = parseComponents(text(declareBlockIds.components));
  if (!components.ok) errors[declareBlockIds.components] = components.error;
  if (!title.ok || !severity.ok || !summary.ok || !components.ok) return { ok: false, errors };
  return {
    ok: true,
    value: {
      title: title.value,
      severity: severity.value,
      summary: summary.value,
      components: components.value,
      customerImpact: selected(declareBlockIds.customerImpact) === "yes",
      isPrivate: selected(declareBlockIds.visibility) === "yes",
    },
  };
}

/** Modal submissions and buttons that belong to the incident capability. */
export function registerIncidentInteractions(app: App, capability: IncidentCapability): void {
  const severities = severityIds(capability.playbook);

  app.view(callbackIds.declare, async ({ ack, body, view }) => {
    const read = readDeclareModal(view, severities);
    if (!read.ok) {
      await ack({
        response_action: "errors",
        errors: "errors" in read ? read.errors : { [declareBlockIds.title]: read.error },
      });
      return;
    }
    await ack();
    const declaredBy = body.user.id;
    const outcome = await declareIncident(capability.declare, { ...read.value, declaredBy });
    // A modal has no response_url; on success the new channel is the answer,
    // otherwise the declarer gets a DM saying what went wrong.
    if (outcome.kind !== "declared") {
      await capability.slack.postMessage(declaredBy, { text: describeOutcome(outcome) });
    }
  });

  app.action(actionIds.postUpdate, async ({ ack, body, client }) => {
    await ack();
    const incident = await incidentFromButton(body);
    if (!incident || !("trigger_id" in body)) return;
    await client.views.open({ trigger_id: body.trigger_id, view: renderUpdateModal(incident) });
  });

  app.view(callbackIds.update, async ({ ack, body, view }) => {
    const values = view.state.values;
    const status = parseStatus(values[updateBlockIds.status]?.value?.selected_option?.value ?? "");
    const message = validateUpdateMessage(values[updateBlockIds.message]?.value?.value ?? "");
    if (!status.ok || !message.ok) {
      const errors: Record<string, string> = {};
      if (!status.ok) errors[updateBlockIds.status] = status.error;
      if (!message.ok) errors[updateBlockIds.message] = message.error;
      await ack({ response_action: "errors", errors });
      return;
    }
    const { incidentId } = readViewMetadata(view.private_metadata, ["incidentId"]);
    const incident = incidentId ? await capability.incidents.findById(incidentId) : null;
    if (!incident) {
      await ack({
        response_action: "errors",
        errors: { [updateBlockIds.message]: "That incident no longer exists." },
      });
      return;
    }
    const isPublic = (values[updateBlockIds.visibility]?.value?.selected_options ?? []).some(
      (option) => option.value === "public",
    );
    const change: StatusChange = {
      type: "update",
      status: status.value,
      message: message.value,
      isPublic,
    };
    const result = await changeStatus(capability.status, incident, change, body.user.id);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [updateBlockIds.status]: result.error } });
      return;
    }
    await ack();
  });

  app.action(actionIds.snoozeReminder, async ({ ack, body, respond }) => {
    await ack();
    const incident = await incidentFromButton(body);
    if (!incident) return;
    const result = await snoozeReminder(capability.status, incident, snoozeMinutes);
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: result.ok
        ? `Snoozed: the next update reminder for ${incidentKey(incident.number)} comes in ${snoozeMinutes} minutes.`
        : escapeMrkdwn(result.error),
    });
  });

  async function incidentFromButton(body: unknown) {
    const actions = (body as { actions?: { value?: string }[] }).actions;
    const incidentId = actions?.[0]?.value;
    return incidentId ? capability.incidents.findById(incidentId) : null;
  }

  app.action(actionIds.showStatus, async ({ ack, body, respond }) => {
    await ack();
    const incidentId =
      "actions" in body ? (body.actions[0] as { value?: string }).value : undefined;
    const incident = incidentId ? await capability.incidents.findById(incidentId) : null;
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      ...(incident ? renderStatus(incident) : { text: "That incident no longer exists." }),
    });
  });
}

