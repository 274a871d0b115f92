import type { Playbook } from "../../core/config/playbook.ts";
import type { ChannelMembership } from "./membership.ts";
import {
  type Capability,
  type Decision,
  canSee,
  decide,
  decideTriage,
  type IncidentAccessFacts,
  needsMembership,
  publicStateChanges,
} from "../../domain/access/policy.ts";

/**
 * The access policy with its one input from outside: channel membership.
 * Everything that decides who may see or do what goes through here.
 */

export interface IncidentWithChannel extends IncidentAccessFacts {
  id?: string;
  channelId: string | null;
}

export interface Access {
  readonly playbook: Playbook;
  /** May this person do this to this incident? A refusal says who can. */
  decide(incident: IncidentWithChannel, userId: string, capability: Capability, options?: { addressee?: string }): Promise<Decision>;
  /** May this person declare, dismiss or snooze the triage message posted in this channel? */
  decideTriage(triageChannelId: string, userId: string): Promise<Decision>;
  /** May this person see this incident? */
  canSee(incident: IncidentWithChannel, userId: string): Promise<boolean>;
  /** The incidents of a list this person may see, in their order. */
  visibleTo<T extends IncidentWithChannel>(incidents: readonly T[], userId: string): Promise<T[]>;
  membership: ChannelMembership;
}

export function createAccess(
  playbook: Playbook,
  membership: ChannelMembership,
  /** Whether the public status page shows this incident (see `publicStateChanges`). */
  isOnStatusPage: (incidentId: string) => Promise<boolean> = async () => false,
): Access {
  const inChannel = async (incident: IncidentWithChannel, userId: string) =>
    needsMembership(playbook, incident, userId) && incident.channelId
      ? membership.isMember(incident.channelId, userId)
      : false;
  const access: Access = {
    playbook,
    membership,
    async decide(incident, userId, capability, options = {}) {
      const actor = { userId, inChannel: await inChannel(incident, userId), ...(options.addressee ? { addressee: options.addressee } : {}) };
      const onStatusPage =
        incident.id !== undefined && publicStateChanges.includes(capability) && !incident.isPrivate
          ? await isOnStatusPage(incident.id)
          : false;
      return decide(playbook, { ...incident, onStatusPage }, actor, capability);
    },
    async decideTriage(triageChannelId, userId) {
      const inTriageChannel = playbook.permissions.admins.includes(userId) ? false : await membership.isMember(triageChannelId, userId);
      return decideTriage(playbook, { userId, inTriageChannel });
    },
    async canSee(incident, userId) {
      return canSee(playbook, incident, { userId, inChannel: await inChannel(incident, userId) });
    },
    async visibleTo(incidents, userId) {
      const seen = await Promise.all(incidents.map((incident) => access.canSee(incident, userId)));
      return incidents.filter((_, index) => seen[index]);
    },
  };
  return access;
}
