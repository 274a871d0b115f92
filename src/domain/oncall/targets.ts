import type { Playbook, Target } from "../../core/config/playbook.ts";
import { onCallAt } from "./rotations.ts";

/**
 * Turns an escalation level's targets into people: whoever is on call in a
 * rotation at `at`, the members of a Slack user group (asked of Slack each
 * time, since groups change), or fixed users. Order kept, duplicates dropped.
 */
export async function resolveTargets(
  targets: Target[],
  playbook: Playbook,
  at: Date,
  /** Slack's user groups (the gateway caches their members for a minute). */
  slack: { userGroupMembers(groupId: string): Promise<string[]> },
): Promise<string[]> {
  const people: string[] = [];
  for (const target of targets) {
    if ("rotation" in target) {
      const rotation = playbook.rotations[target.rotation];
      if (rotation) people.push(onCallAt(rotation, at).userId);
    } else if ("userGroup" in target) {
      people.push(...(await slack.userGroupMembers(target.userGroup)));
    } else {
      people.push(...target.users);
    }
  }
  return [...new Set(people)];
}
