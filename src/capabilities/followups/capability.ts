import type { Access } from "../../adapters/slack/access.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { IncidentRepository } from "../../domain/incidents/repository.ts";
import type { Logger } from "../../core/logging.ts";
import type { Clock } from "../../core/clock.ts";
import type { SlackGateway } from "../../adapters/slack/gateway.ts";

/**
 * What the follow-up capabilities (action items, GitHub sync, postmortem,
 * manager views, timeline capture) share. Built once by the module (module.ts).
 */
export interface FollowUpCapability {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  clock: Clock;
  log: Logger;
  slack: SlackGateway;
  /** The access policy: every list and export asks it what a person may see. */
  access: Access;
  /** Nudges the timer engine so queued work (Slack posts, GitHub issues) goes out now. */
  wake(): void;
  /** `owner/name` when GitHub is configured; undefined means items are tracked locally only. */
  githubRepository: string | undefined;
  /**
   * Called after action items change (created, done, reopened, linked), with
   * the Slack users whose App Home shows them. Fire and forget.
   */
  actionItemsChanged(userIds: readonly string[]): void;
  /** Registers work that continues in the background, so shutdown waits for it. */
  track(work: Promise<unknown>): void;
}
