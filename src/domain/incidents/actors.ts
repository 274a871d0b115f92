/**
 * Who did something to an incident. Usually a Slack user (`U…`/`W…`); an
 * incident opened by an alert was declared by the monitor that sent it,
 * recorded as `monitor:<source>` (`monitor:alertmanager`). A monitor holds no
 * role and is invited to no channel: the roles its severity needs are paged.
 */

const slackUser = /^[UW][A-Z0-9]{2,}$/;
const monitorPrefix = "monitor:";

export function isPerson(actorId: string | null | undefined): actorId is string {
  return typeof actorId === "string" && slackUser.test(actorId);
}

export function monitorActor(source: string): string {
  return `${monitorPrefix}${source}`;
}

/** The monitor's source (`alertmanager`) when the actor is a monitor. */
export function monitorSource(actorId: string | null | undefined): string | undefined {
  return actorId?.startsWith(monitorPrefix) ? actorId.slice(monitorPrefix.length) : undefined;
}
