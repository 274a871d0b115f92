import type { Logger } from "../../core/logging.ts";
import type { TimerHandler } from "../../core/scheduler/types.ts";
import type { Clock } from "../../core/clock.ts";
import { SlackCallError, type SlackGateway } from "../../adapters/slack/gateway.ts";
import type { Incident, IncidentRepository, IncidentWithRoles, NewIncident } from "../../domain/incidents/repository.ts";
import { isPerson } from "../../domain/incidents/actors.ts";
import { channelNameFor, incidentKey } from "../../domain/incidents/rules.ts";
import { renderAnnouncement, renderIntro, renderTopic } from "./views.ts";

/**
 * Declaring an incident is a short saga across the database and Slack:
 *
 *   1. insert the incident (phase `declaring`), IC and timeline — one transaction,
 *      numbered from the `incident_counter` row (never reused, so a rollback
 *      leaves a gap); if this fails no incident exists and the user is told;
 *   2. create its channel — if this fails the row is deleted, so a failed
 *      declaration leaves nothing behind and the user is told plainly (a
 *      declaration by a monitor, which nobody would be told about, is kept
 *      and retried on the timer instead: an alert's incident is never lost);
 *   3. invite the declarer, set the topic, post the intro, post the
 *      announcement — each recorded as it succeeds;
 *   4. mark the incident `active`.
 *
 * Steps 2–4 are idempotent (each checks what is already recorded), so an
 * interrupted declaration is finished by `completeDeclaration`: retried on a
 * durable timer with backoff after a Slack failure, and run again at startup
 * for any incident still `declaring` (a crash mid-declaration).
 */

export { completeDeclarationKind } from "../../domain/incidents/declaration.ts";
export const completeDeclarationDelayMs = 30_000;

/** The timer behind `retryLater`: finishes the declaration or fails, to be retried with backoff. */
export function createCompleteDeclarationHandler(deps: DeclareDependencies): TimerHandler {
  return async (timer) => {
    const incident = await deps.incidents.findById(String(timer.payload.incidentId));
    if (!incident || incident.phase !== "declaring") return { kind: "done" };
    const outcome = await completeDeclaration(
      { ...deps, retryLater: async () => undefined },
      incident,
    );
    if (outcome.kind === "incomplete") throw new Error(outcome.reason);
    return { kind: "done" };
  };
}

export interface DeclareDependencies {
  incidents: IncidentRepository;
  slack: SlackGateway;
  clock: Clock;
  /** Channel ID for announcements, or undefined when none is configured. */
  announcementChannel(): Promise<string | undefined>;
  /** Marks the incident active and starts its timers. */
  activate(incident: Incident): Promise<void>;
  /** Schedules another `completeDeclaration` on a durable timer. */
  retryLater(incident: Incident): Promise<void>;
  /** Counts a direct post against its channel's posting pace (see slack/outbox.ts `takeChannelSlot`). */
  takeChannelSlot(channelId: string): Promise<void>;
  log: Logger;
}

export type DeclareOutcome =
  | { kind: "declared"; incident: IncidentWithRoles }
  | { kind: "rolled_back"; reason: string }
  | { kind: "incomplete"; incident: IncidentWithRoles; reason: string };

const maxChannelNameAttempts = 5;

export async function declareIncident(
  deps: DeclareDependencies,
  input: NewIncident,
): Promise<DeclareOutcome> {
  let incident: Incident;
  try {
    incident = await deps.incidents.createDeclaring(input, deps.clock.now());
  } catch (error) {
    // The ack is already gone, so a throw here would reach no one on the form
    // path (its listener only reports outcomes). The transaction rolled back:
    // no incident exists, and trying again is the right advice.
    deps.log.error({ err: error, declaredBy: input.declaredBy }, "declaration not recorded");
    // Prisma's message quotes source paths and code, so Slack gets a plain sentence and the log the detail.
    return {
      kind: "rolled_back",
      reason: "I couldn't record the incident: the database did not accept it (details are in the bot's log).",
    };
  }
  deps.log.info(
    { incident: incidentKey(incident.number), severity: incident.severity },
    "incident declared",
  );
  return completeDeclaration(deps, incident);
}

export async function completeDeclaration(
  deps: DeclareDependencies,
  declared: Incident,
): Promise<DeclareOutcome> {
  const key = incidentKey(declared.number);
  if (!declared.channelId) {
    try {
      const channel = await createIncidentChannel(deps.slack, declared);
      await deps.incidents.recordChannel(declared.id, channel, deps.clock.now());
    } catch (error) {
      const reason = describeFailure(error);
      if (!isPerson(declared.declaredBy)) {
        // A monitor declared it: nobody is waiting to be told to try again, so the
        // incident is kept and the channel retried on the durable timer.
        deps.log.warn({ incident: key, reason }, "declaration incomplete: channel not created yet; will be retried");
        await deps.retryLater(declared);
        return { kind: "incomplete", incident: (await deps.incidents.findById(declared.id))!, reason };
      }
      await deps.incidents.deleteUnannounced(declared.id);
      deps.log.warn({ incident: key, reason }, "declaration rolled back: channel not created");
      return { kind: "rolled_back", reason: `I couldn't create the incident channel (${reason}).` };
    }
  }

  let incident = (await deps.incidents.findById(declared.id))!;
  const channelId = incident.channelId!;
  try {
    // An incident an alert opened was declared by the monitor: nobody to invite yet.
    if (isPerson(incident.declaredBy)) await deps.slack.inviteToChannel(channelId, [incident.declaredBy]);
    await deps.slack.setChannelTopic(channelId, renderTopic(incident));
    if (!incident.introTs) {
      const intro = await deps.slack.postMessage(channelId, renderIntro(incident));
      await deps.incidents.recordIntro(incident.id, intro.ts);
      await deps.takeChannelSlot(channelId);
    }
    if (!incident.isPrivate && !incident.announcementTs) {
      const announceTo = await deps.announcementChannel();
      if (announceTo) {
        const posted = await deps.slack.postMessage(announceTo, renderAnnouncement(incident));
        await deps.takeChannelSlot(posted.channelId);
        await deps.incidents.recordAnnouncement(
          incident.id,
          posted.channelId,
          posted.ts,
          deps.clock.now(),
        );
      } else {
        deps.log.warn(
          { incident: key },
          "no announcement channel configured; skipping announcement",
        );
      }
    }
    await deps.activate(incident);
  } catch (error) {
    const reason = describeFailure(error);
    deps.log.warn({ incident: key, reason }, "declaration incomplete; will be resumed");
    await deps.retryLater(declared);
    incident = (await deps.incidents.findById(declared.id))!;
    return { kind: "incomplete", incident, reason };
  }
  incident = (await deps.incidents.findById(declared.id))!;
  return { kind: "declared", incident };
}

/** Finishes declarations interrupted by a crash or a Slack outage. */
export async function resumeDeclarations(deps: DeclareDependencies): Promise<DeclareOutcome[]> {
  const pending = await deps.incidents.listDeclaring();
  const outcomes: DeclareOutcome[] = [];
  for (const incident of pending) {
    outcomes.push(await completeDeclaration(deps, incident));
  }
  return outcomes;
}

async function createIncidentChannel(slack: SlackGateway, incident: Incident) {
  for (let attempt = 1; ; attempt++) {
    const name = channelNameFor(incident.number, incident.title, attempt);
    try {
      return await slack.createChannel(name, incident.isPrivate);
    } catch (error) {
      const taken = error instanceof SlackCallError && error.code === "name_taken";
      if (!taken || attempt >= maxChannelNameAttempts) throw error;
    }
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof SlackCallError) return `Slack said ${error.code} to ${error.method}`;
  return error instanceof Error ? error.message : String(error);
}
