import type { App } from "@slack/bolt";
import type { View } from "@slack/types";
import type { Access } from "./access.ts";
import type { Capability } from "../../domain/access/policy.ts";
import type { IncidentRepository, IncidentWithRoles } from "../../domain/incidents/repository.ts";
import type { Logger } from "../../core/logging.ts";
import { type CommandRegistry, commandName, type AccessRequest } from "./command-router.ts";
import type { SlackGateway, SlackMessage } from "./gateway.ts";
import type { MetadataSeal } from "./view-metadata.ts";
import type { Result } from "../../core/result.ts";
import { type ActionPayload, type FieldErrors, readAction, stringOf, type ViewValues } from "./payload.ts";

// Handlers that predate payload.ts import the type from here.
export type { ActionPayload } from "./payload.ts";

/**
 * The one road from Slack into the capabilities. Every subcommand, button,
 * modal, shortcut and event is registered here with its access rule, never
 * with `app.action`/`app.view`/… directly (a lint rule enforces it). Before a
 * handler runs, the router:
 *
 *  1. reads the payload defensively (anything may be missing or forged);
 *  2. finds the incident it is about, and checks that the payload came from
 *     where that incident lives: a button from its channel, a page's button
 *     from the person it was sent to, a modal from a form the bot sealed for
 *     this person (`view-metadata.ts`);
 *  3. asks the access policy; a refusal is ephemeral, says who can, and
 *     nothing is written;
 *  4. runs the handler after the ack, and tells the person when it fails.
 *
 * `entries()` lists everything registered, for the authorization tests.
 */

export interface Interaction {
  userId: string;
  /** The channel the request came from, when Slack says. */
  channelId: string | undefined;
  /** An ephemeral answer to the person: response_url, else chat.postEphemeral, else a DM. */
  reply(message: SlackMessage): Promise<void>;
  /** Replaces the message the button was on (a page's DM); falls back to `reply`. */
  replaceOriginal(message: SlackMessage): Promise<void>;
  /** Opens a modal for this person, its metadata sealed. */
  openView(view: View): Promise<void>;
}

export interface Located {
  incident: IncidentWithRoles;
  /** Who a thing sent to one person (a page) was for. */
  addressee?: string;
}

export type Needs<S, Input = undefined> = (located: S, input: Input) => Capability | readonly Capability[];

export interface ActionDefinition<S extends Located> {
  actionId: string;
  /**
   * Where the button is allowed to come from: its incident's channel, or a
   * direct message to the person the located thing was sent to.
   */
  origin: "incident-channel" | "addressee";
  /** What the button is about, or null when it names nothing that exists. */
  locate(action: ActionPayload, channelId: string | undefined): Promise<S | null>;
  needs: Needs<S, ActionPayload>;
  run(located: S, action: ActionPayload, interaction: Interaction): Promise<void>;
  /** Said when `locate` finds nothing. */
  gone?: string;
}

/**
 * A button on a message about no incident yet: an alert's triage message,
 * posted in the triage channel. It must come from the channel the message
 * was posted in, and the policy decides by that channel (`decideTriage`).
 */
export interface TriageActionDefinition<S extends { channelId: string }> {
  actionId: string;
  /** What the button is about, or null when it names nothing open. */
  locate(action: ActionPayload): Promise<S | null>;
  run(located: S, action: ActionPayload, interaction: Interaction): Promise<void>;
  gone: string;
}

interface ViewDefinitionBase<Input> {
  callbackId: string;
  /** The input block that shows a refusal. */
  refusalBlock: string;
  /** The input, or the errors to show under the form's blocks. */
  read(values: ViewValues): Result<Input, FieldErrors>;
}

/** A form about no incident yet (declaring). */
export interface OpenViewDefinition<Input> extends ViewDefinitionBase<Input> {
  about: { open: string };
  run(input: Input, interaction: Interaction): Promise<void>;
}

/** A form about an incident, named in its sealed metadata. */
export interface IncidentViewDefinition<Input, S extends Located> extends ViewDefinitionBase<Input> {
  about: {
    locate(fields: Record<string, string>): Promise<S | null>;
    needs: Needs<S, Input>;
  };
  /**
   * Runs before the ack when it must be able to answer with field errors
   * (returns them), after it otherwise.
   */
  timing: "before-ack" | "after-ack";
  run(input: Input, located: S, interaction: Interaction): Promise<Record<string, string> | void>;
}

export interface ShortcutMessage {
  ts: string;
  threadTs: string | undefined;
  text: string | undefined;
  user: string | undefined;
}

/** A message shortcut, used on a message in an incident channel. */
export interface ShortcutDefinition {
  callbackId: string;
  needs: Capability;
  notInIncident: string;
  run(incident: IncidentWithRoles, message: ShortcutMessage, interaction: Interaction & { triggerId: string | undefined }): Promise<void>;
}

export type EventBody = Record<string, unknown>;

export type EventDefinition =
  | { event: string; access: { open: string }; run(event: EventBody): Promise<void> }
  | {
      event: string;
      access: {
        /** The incident and the person acting, or null when the event is about no incident. */
        locate(event: EventBody): Promise<{ incident: IncidentWithRoles; userId: string } | null>;
        needs: Capability;
      };
      run(event: EventBody, incident: IncidentWithRoles): Promise<void>;
    };

export interface EntryPoint {
  kind: "subcommand" | "action" | "view" | "shortcut" | "event";
  id: string;
  /** The access rule, in words (open entry points say why no incident check applies). */
  rule: string;
}

export interface RouterDependencies {
  app: App;
  incidents: IncidentRepository;
  access: Access;
  slack: SlackGateway;
  seal: MetadataSeal;
  log: Logger;
}

const failedAfterAck =
  "Something went wrong doing that; it was logged. Nothing was changed unless a message says so. Try again in a moment.";

export class SlackRouter {
  private readonly registered: EntryPoint[] = [];

  constructor(private readonly deps: RouterDependencies) {}

  entries(): readonly EntryPoint[] {
    return this.registered;
  }

  private record(entry: EntryPoint): void {
    if (this.registered.some((known) => known.kind === entry.kind && known.id === entry.id)) {
      throw new Error(`${entry.kind} "${entry.id}" is registered twice`);
    }
    this.registered.push(entry);
  }

  /** `/incident`: parse before the ack (bad input answered in it), then access, then the subcommand. */
  commands(registry: CommandRegistry): void {
    const { app, log } = this.deps;
    for (const subcommand of registry.list()) {
      this.record({ kind: "subcommand", id: subcommand.name, rule: "per arguments (Subcommand.access)" });
    }
    // The one place the slash command reaches Bolt.
    app.command(commandName, async ({ command, ack, respond }) => {
      const routed = registry.route(command.text ?? "");
      if (!routed.ok) {
        await ack({ response_type: "ephemeral", ...routed.message });
        return;
      }
      await ack();
      const interaction = this.interaction({
        userId: command.user_id,
        channelId: command.channel_id,
        triggerId: command.trigger_id,
        respond,
      });
      try {
        const request = routed.subcommand.access(routed.args);
        const incident = request.kind === "incident" ? await this.incidentFor(request, interaction) : undefined;
        if (request.kind === "incident" && !incident) return;
        await routed.subcommand.run(routed.args, {
          invocation: { userId: command.user_id, channelId: command.channel_id, triggerId: command.trigger_id },
          reply: interaction.reply,
          openView: interaction.openView,
          access: this.deps.access,
          ...(incident ? { incident } : {}),
        });
      } catch (error) {
        log.error({ err: error, subcommand: routed.subcommand.name }, "subcommand failed");
        await interaction.reply({ text: failedAfterAck }).catch(() => undefined);
      }
    });
  }

  /**
   * The incident with this id, as a `locate` answers: for a button whose value
   * is the incident's id (`action.id`) and a form that names it in its sealed
   * metadata (`fields.incidentId`). Null when the id names nothing.
   */
  async incidentById(id: string | undefined): Promise<Located | null> {
    const incident = id ? await this.deps.incidents.findById(id) : null;
    return incident ? { incident } : null;
  }

  /** The incident whose channel this is, as a `locate` answers; null outside incident channels. */
  async incidentOfChannel(channelId: string | undefined): Promise<Located | null> {
    const incident = channelId ? await this.deps.incidents.findByChannel(channelId) : null;
    return incident ? { incident } : null;
  }

  /** Finds the incident a subcommand names (or the channel's) and asks the policy; replies when it cannot go on. */
  private async incidentFor(
    request: Extract<AccessRequest, { kind: "incident" }>,
    interaction: Interaction,
  ): Promise<IncidentWithRoles | undefined> {
    const incident =
      request.number !== undefined
        ? await this.deps.incidents.findByNumber(request.number)
        : (await this.incidentOfChannel(interaction.channelId))?.incident;
    if (!incident || incident.phase !== "active") {
      await interaction.reply({ text: request.notFound ?? notFoundMessage(request.number) });
      return undefined;
    }
    const refusal = await this.refusal(incident, interaction.userId, request.needs);
    if (refusal) {
      await interaction.reply({ text: refusal });
      return undefined;
    }
    return incident;
  }

  /**
   * The common button: posted in its incident's channel, its value the
   * incident's id. Refused from any other channel, like every action.
   */
  incidentButton(definition: {
    actionId: string;
    needs: Capability;
    run(located: Located, action: ActionPayload, interaction: Interaction): Promise<void>;
  }): void {
    this.action({
      actionId: definition.actionId,
      origin: "incident-channel",
      locate: (action) => this.incidentById(action.id),
      needs: () => definition.needs,
      run: definition.run,
    });
  }

  action<S extends Located>(definition: ActionDefinition<S>): void {
    const { app, log } = this.deps;
    this.record({ kind: "action", id: definition.actionId, rule: `${definition.origin}; needs per payload` });
    app.action(definition.actionId, async ({ ack, body, respond }) => {
      await ack();
      const payload = body as unknown as RawInteraction;
      const channelId = stringOf(payload.channel?.id) ?? stringOf(payload.container?.channel_id);
      const interaction = this.interaction({
        userId: body.user.id,
        channelId,
        triggerId: stringOf(payload.trigger_id),
        respond: payload.response_url ? respond : undefined,
      });
      const action = readAction(payload, definition.actionId);
      try {
        const located = await definition.locate(action, channelId);
        if (!located || located.incident.phase !== "active") {
          await interaction.reply({ text: definition.gone ?? "That incident or item no longer exists." });
          return;
        }
        const fromElsewhere =
          definition.origin === "incident-channel" ? located.incident.channelId !== channelId : false;
        if (fromElsewhere) {
          log.warn({ actionId: definition.actionId, channelId }, "button refused: it belongs to another incident's channel");
          await interaction.reply({ text: "That button belongs to another incident's channel; nothing was changed." });
          return;
        }
        const refusal = await this.refusal(
          located.incident,
          interaction.userId,
          definition.needs(located, action),
          located.addressee ? { addressee: located.addressee } : {},
        );
        if (refusal) {
          await interaction.reply({ text: refusal });
          return;
        }
        await definition.run(located, action, interaction);
      } catch (error) {
        log.error({ err: error, actionId: definition.actionId }, "button handler failed");
        await interaction.reply({ text: failedAfterAck }).catch(() => undefined);
      }
    });
  }

  triageAction<S extends { channelId: string }>(definition: TriageActionDefinition<S>): void {
    const { app, log, access } = this.deps;
    this.record({ kind: "action", id: definition.actionId, rule: "triage-channel; members of the triage channel" });
    app.action(definition.actionId, async ({ ack, body, respond }) => {
      await ack();
      const payload = body as unknown as RawInteraction;
      const channelId = stringOf(payload.channel?.id) ?? stringOf(payload.container?.channel_id);
      const interaction = this.interaction({
        userId: body.user.id,
        channelId,
        triggerId: stringOf(payload.trigger_id),
        respond: payload.response_url ? respond : undefined,
      });
      const action = readAction(payload, definition.actionId);
      try {
        const located = await definition.locate(action);
        if (!located) {
          await interaction.reply({ text: definition.gone });
          return;
        }
        if (located.channelId !== channelId) {
          log.warn({ actionId: definition.actionId, channelId }, "button refused: it belongs to another channel's message");
          await interaction.reply({ text: "That button belongs to a message in another channel; nothing was changed." });
          return;
        }
        const decision = await access.decideTriage(located.channelId, interaction.userId);
        if (!decision.ok) {
          await interaction.reply({ text: decision.error });
          return;
        }
        await definition.run(located, action, interaction);
      } catch (error) {
        log.error({ err: error, actionId: definition.actionId }, "button handler failed");
        await interaction.reply({ text: failedAfterAck }).catch(() => undefined);
      }
    });
  }

  view<Input>(definition: OpenViewDefinition<Input>): void;
  view<Input, S extends Located>(definition: IncidentViewDefinition<Input, S>): void;
  view<Input, S extends Located>(definition: OpenViewDefinition<Input> | IncidentViewDefinition<Input, S>): void {
    const { app, log, seal } = this.deps;
    const open = "open" in definition.about;
    this.record({
      kind: "view",
      id: definition.callbackId,
      rule: "open" in definition.about ? `open: ${definition.about.open}` : "incident from sealed metadata; needs per input",
    });
    app.view(definition.callbackId, async ({ ack, body, view }) => {
      const userId = body.user.id;
      const interaction = this.interaction({ userId, channelId: undefined, triggerId: undefined, respond: undefined });
      const refuse = (text: string) => ack({ response_action: "errors", errors: { [definition.refusalBlock]: text } });
      const read = definition.read((view.state?.values ?? {}) as ViewValues);
      if (!read.ok) {
        await ack({ response_action: "errors", errors: read.error });
        return;
      }
      try {
        if (open) {
          await ack();
          await (definition as OpenViewDefinition<Input>).run(read.value, interaction);
          return;
        }
        const incidentView = definition as IncidentViewDefinition<Input, S>;
        const fields = seal.open(view.private_metadata, userId);
        if (!fields) {
          log.warn({ callbackId: definition.callbackId }, "form refused: its metadata is not one the bot sealed for this person");
          await refuse("This form is out of date or was not opened by you. Close it and open it again.");
          return;
        }
        const located = await incidentView.about.locate(fields);
        if (!located || located.incident.phase !== "active") {
          await refuse("That incident no longer exists.");
          return;
        }
        const refusal = await this.refusal(located.incident, userId, incidentView.about.needs(located, read.value));
        if (refusal) {
          await refuse(refusal);
          return;
        }
        // A form has no response_url: answers go to the person in the incident's channel (or by DM).
        const inChannel = this.interaction({ userId, channelId: located.incident.channelId ?? undefined, triggerId: undefined, respond: undefined });
        if (incidentView.timing === "before-ack") {
          const errors = await incidentView.run(read.value, located, inChannel);
          await (errors ? ack({ response_action: "errors", errors }) : ack());
          return;
        }
        await ack();
        await incidentView.run(read.value, located, inChannel);
      } catch (error) {
        log.error({ err: error, callbackId: definition.callbackId }, "form handler failed");
        // Acked already, or acking now: either way the person hears about it.
        await ack().catch(() => undefined);
        await interaction.reply({ text: failedAfterAck }).catch(() => undefined);
      }
    });
  }

  shortcut(definition: ShortcutDefinition): void {
    const { app, log } = this.deps;
    this.record({ kind: "shortcut", id: definition.callbackId, rule: `incident of the channel; needs ${definition.needs}` });
    app.shortcut({ callback_id: definition.callbackId, type: "message_action" }, async ({ ack, body, respond }) => {
      await ack();
      const payload = body as unknown as RawInteraction & { message?: Record<string, unknown> };
      const channelId = stringOf(payload.channel?.id);
      const triggerId = stringOf(payload.trigger_id);
      const interaction = this.interaction({
        userId: body.user.id,
        channelId,
        triggerId,
        // Slack leaves response_url out on some surfaces; then Bolt gives no usable respond.
        respond: payload.response_url ? respond : undefined,
      });
      try {
        const incident = (await this.incidentOfChannel(channelId))?.incident;
        if (!incident || incident.phase !== "active") {
          await interaction.reply({ text: definition.notInIncident });
          return;
        }
        const refusal = await this.refusal(incident, interaction.userId, definition.needs);
        if (refusal) {
          await interaction.reply({ text: refusal });
          return;
        }
        const message = payload.message ?? {};
        const ts = stringOf(message.ts);
        if (!ts) {
          await interaction.reply({ text: "Slack did not say which message that was; try the shortcut again." });
          return;
        }
        await definition.run(
          incident,
          { ts, threadTs: stringOf(message.thread_ts), text: stringOf(message.text), user: stringOf(message.user) },
          { ...interaction, triggerId },
        );
      } catch (error) {
        log.error({ err: error, callbackId: definition.callbackId }, "shortcut handler failed");
        await interaction.reply({ text: failedAfterAck }).catch(() => undefined);
      }
    });
  }

  event(definition: EventDefinition): void {
    const { app, log } = this.deps;
    this.record({
      kind: "event",
      id: definition.event,
      rule: "open" in definition.access ? `open: ${definition.access.open}` : `incident of the event; needs ${definition.access.needs}`,
    });
    app.event(definition.event, async ({ event }) => {
      const body = event as unknown as EventBody;
      try {
        if ("open" in definition.access) {
          await (definition as Extract<EventDefinition, { access: { open: string } }>).run(body);
          return;
        }
        const located = await definition.access.locate(body);
        if (!located || located.incident.phase !== "active") return;
        const refusal = await this.refusal(located.incident, located.userId, definition.access.needs);
        if (refusal) {
          // Events have no one to answer ephemerally; the refusal is logged and nothing happens.
          log.info({ event: definition.event, userId: located.userId }, "event ignored: the access policy refused it");
          return;
        }
        await (definition as Extract<EventDefinition, { run(event: EventBody, incident: IncidentWithRoles): Promise<void> }>).run(
          body,
          located.incident,
        );
      } catch (error) {
        log.error({ err: error, event: definition.event }, "event handler failed");
      }
    });
  }

  /** The first refusal among the capabilities needed, or undefined when all are allowed. */
  private async refusal(
    incident: IncidentWithRoles,
    userId: string,
    needs: Capability | readonly Capability[],
    options: { addressee?: string } = {},
  ): Promise<string | undefined> {
    for (const capability of typeof needs === "string" ? [needs] : needs) {
      const decision = await this.deps.access.decide(incident, userId, capability, options);
      if (!decision.ok) return decision.error;
    }
    return undefined;
  }

  private interaction(source: {
    userId: string;
    channelId: string | undefined;
    triggerId: string | undefined;
    respond: ((message: Record<string, unknown>) => Promise<unknown>) | undefined;
  }): Interaction {
    const { slack, seal } = this.deps;
    const { userId, channelId, triggerId, respond } = source;
    const reply = async (message: SlackMessage) => {
      if (respond) {
        await respond({ response_type: "ephemeral", replace_original: false, ...message });
        return;
      }
      if (channelId) {
        try {
          await slack.postEphemeral(channelId, userId, message);
          return;
        } catch {
          // Not in that channel (or it is gone): a direct message still reaches them.
        }
      }
      await slack.postMessage(userId, message);
    };
    return {
      userId,
      channelId,
      reply,
      replaceOriginal: async (message) => {
        if (respond) await respond({ replace_original: true, ...message });
        else await reply(message);
      },
      openView: async (view) => {
        if (!triggerId) throw new Error("Slack sent no trigger_id, so no form can be opened");
        await slack.openView(triggerId, seal.seal(view, userId));
      },
    };
  }
}

interface RawInteraction {
  channel?: { id?: unknown };
  container?: { channel_id?: unknown };
  trigger_id?: unknown;
  response_url?: unknown;
  actions?: unknown;
}

export function notFoundMessage(number: number | undefined): string {
  return number !== undefined
    ? `There is no incident INC-${number}. \`/incident list\` shows the open ones.`
    : "This channel is not an incident channel. Name the incident (`/incident status INC-42`) or run `/incident list`.";
}
