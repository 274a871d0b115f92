import type { KnownBlock } from "@slack/types";
import type { Playbook, Target } from "../../core/config/playbook.ts";
import { mentionUser, truncate } from "../../adapters/slack/escape.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import { onCallAt } from "../../domain/oncall/rotations.ts";
import { roleLabel } from "./views.ts";

/** `/incident playbook`: who gets paged for what, and who is on call right now. */
export function renderPlaybookSummary(playbook: Playbook, now: Date): SlackMessage {
  const describeTarget = (target: Target): string => {
    if ("rotation" in target) {
      const rotation = playbook.rotations[target.rotation];
      return rotation
        ? `${target.rotation} rotation (now ${mentionUser(onCallAt(rotation, now).userId)})`
        : target.rotation;
    }
    if ("userGroup" in target) return `<!subteam^${target.userGroup}> group`;
    return target.users.map(mentionUser).join(", ");
  };

  const severityLines = Object.entries(playbook.severities)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, severity]) => {
      const roles = severity.page.map((role) => roleLabel(playbook, role)).join(", ") || "nobody";
      const cadence = severity.updateCadenceMinutes
        ? `updates every ${severity.updateCadenceMinutes} min`
        : "no update reminders";
      return `*${id}* pages ${roles}; ${cadence}.`;
    });

  const roleLines = Object.entries(playbook.roles).map(([id, role]) => {
    const policy = role.escalation ? playbook.escalationPolicies[role.escalation] : undefined;
    if (!policy) return `*${role.label}*: not paged (assigned by hand).`;
    const levels = policy.levels
      .map(
        (level, index) =>
          `${index + 1}. ${level.targets.map(describeTarget).join(" + ")} (${level.delayMinutes} min)`,
      )
      .join("  ");
    const after = `${policy.repeat > 0 ? `repeat ${policy.repeat}×, then ` : "then "}${policy.fallback === "channel" ? "@here in the incident channel" : "stop"}`;
    return `*${role.label}* (\`${id}\`): ${levels}; ${after}.`;
  });

  const checklistLines = Object.values(playbook.checklists).map(
    (checklist) =>
      `*${checklist.label}*${checklist.severities ? ` (${checklist.severities.join(", ")})` : ""}: ${checklist.items
        .map((item) => `${item.text} ≤ ${item.deadlineMinutes} min`)
        .join("; ")}`,
  );

  const section = (title: string, lines: string[]): KnownBlock => ({
    type: "section",
    text: { type: "mrkdwn", text: truncate(`*${title}*\n${lines.join("\n") || "_none_"}`, 3000) },
  });
  return {
    text: `Playbook: ${severityLines.join(" ")}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: "The escalation flowchart" } },
      section("Severities", severityLines),
      section("Who is paged, and who next", roleLines),
      section("As soon as the plan is activated", checklistLines),
    ],
  };
}
