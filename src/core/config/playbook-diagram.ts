import type { Checklist, EscalationPolicy, Playbook, Target } from "./playbook.ts";
import { severityIds } from "./playbook.ts";

/**
 * The playbook drawn as a Mermaid flowchart: declaring → severity → the roles
 * it pages → each role's escalation levels → the fallback, and the activation
 * checklists each severity starts. Pure, so the README, docs/playbook.mmd and
 * `/incident playbook` all show the same picture.
 */
export function renderPlaybookDiagram(book: Playbook): string {
  const ids = new NodeIds();
  const lines: string[] = ["flowchart TD"];
  const add = (line: string, depth = 1) => lines.push(`${"  ".repeat(depth)}${line}`);

  const declare = ids.of("declare");
  add(`${declare}(["${mermaidText("/incident declare")}"])`);

  const severities = severityIds(book);
  const pagedRoles: string[] = [];
  for (const id of severities) {
    const severity = book.severities[id]!;
    add(
      `${ids.of(`sev_${id}`)}["${mermaidText(id)}<br/>${mermaidText(severityDetails(severity))}"]`,
    );
    add(`${declare} --> ${ids.of(`sev_${id}`)}`);
    for (const role of severity.page) if (!pagedRoles.includes(role)) pagedRoles.push(role);
  }

  lines.push("");
  for (const role of pagedRoles) {
    add(`${ids.of(`role_${role}`)}("${mermaidText(book.roles[role]?.label ?? role)}")`);
  }
  for (const id of severities) {
    for (const role of book.severities[id]!.page) {
      add(`${ids.of(`sev_${id}`)} -->|"pages"| ${ids.of(`role_${role}`)}`);
    }
  }

  // Policies are drawn once each, however many roles use them: two roles on
  // the same policy point at the same first level.
  const policies: string[] = [];
  for (const role of pagedRoles) {
    const policy = book.roles[role]?.escalation;
    if (policy && book.escalationPolicies[policy] && !policies.includes(policy))
      policies.push(policy);
  }
  for (const policyId of policies) {
    lines.push("");
    renderPolicy(policyId, book.escalationPolicies[policyId]!, ids, add);
  }
  for (const role of pagedRoles) {
    const policy = book.roles[role]?.escalation;
    if (policy && policies.includes(policy)) {
      add(`${ids.of(`role_${role}`)} --> ${ids.of(`esc_${policy}_1`)}`);
    }
  }

  for (const [listId, list] of Object.entries(book.checklists)) {
    lines.push("");
    renderChecklist(listId, list, book, ids, add);
    // Dotted, so the checklists read as started by the severity, not as paging.
    for (const id of list.severities ?? severities) {
      if (book.severities[id]) add(`${ids.of(`sev_${id}`)} -.-> ${ids.of(`check_${listId}`)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Text safe inside a quoted Mermaid label: quotes and the characters Mermaid
 * or the HTML it renders would read as syntax become entity codes (`#quot;`).
 * `#` goes first, since every code starts with it.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/&/g, "#amp;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\|/g, "#124;")
    .replace(/`/g, "#96;");
}

type Add = (line: string, depth?: number) => void;

function renderPolicy(policyId: string, policy: EscalationPolicy, ids: NodeIds, add: Add): void {
  const level = (index: number) => ids.of(`esc_${policyId}_${index + 1}`);
  const last = policy.levels.length - 1;
  const end =
    policy.fallback === "channel"
      ? { id: ids.of(`esc_${policyId}_fallback`), text: "@here in the incident channel" }
      : { id: ids.of(`esc_${policyId}_stop`), text: "paging stops (no fallback)" };

  add(`subgraph ${ids.of(`esc_${policyId}`)}["${mermaidText(`Escalation policy: ${policyId}`)}"]`);
  policy.levels.forEach((step, index) => {
    const targets = step.targets.map(targetText).join("<br/>");
    add(`${level(index)}["${mermaidText(`Level ${index + 1}`)}<br/>${targets}"]`, 2);
  });
  add(`${end.id}[["${mermaidText(end.text)}"]]`, 2);
  policy.levels.forEach((step, index) => {
    const wait = `no ack in ${step.delayMinutes} min`;
    if (index < last) add(`${level(index)} -->|"${mermaidText(wait)}"| ${level(index + 1)}`, 2);
  });
  const lastWait = `no ack in ${policy.levels[last]!.delayMinutes} min`;
  if (policy.repeat > 0) {
    const rounds = policy.repeat === 1 ? "1 more round" : `${policy.repeat} more rounds`;
    add(
      `${level(last)} -.->|"${mermaidText(`${lastWait}: start again (${rounds})`)}"| ${level(0)}`,
      2,
    );
    add(`${level(last)} -->|"${mermaidText(`${lastWait} in the last round`)}"| ${end.id}`, 2);
  } else {
    add(`${level(last)} -->|"${mermaidText(lastWait)}"| ${end.id}`, 2);
  }
  add("end");
}

function renderChecklist(
  listId: string,
  list: Checklist,
  book: Playbook,
  ids: NodeIds,
  add: Add,
): void {
  const owner = book.roles[list.owner]?.label ?? list.owner;
  const title = `${list.label} checklist · owner: ${owner}`;
  add(`subgraph ${ids.of(`check_${listId}`)}["${mermaidText(title)}"]`);
  for (const item of list.items) {
    const text = `${list.label}: ${item.text} ≤ ${item.deadlineMinutes} min`;
    add(`${ids.of(`check_${listId}_${item.id}`)}["${mermaidText(text)}"]`, 2);
  }
  add("end");
}

function severityDetails(severity: Playbook["severities"][string]): string {
  const parts = [shortDescription(severity.description)];
  parts.push(
    severity.updateCadenceMinutes === null
      ? "no update reminders"
      : `updates every ${minutes(severity.updateCadenceMinutes)}`,
  );
  if (severity.customerNoticeRequired) parts.push("customer notice required");
  return parts.join(" · ");
}

/** The first sentence ("Critical"), so a long description does not widen the chart. */
function shortDescription(description: string): string {
  const first = (description.match(/^.*?[.!?](?=\s|$)/)?.[0] ?? description).replace(/\.$/, "");
  return first.length <= 60 ? first : `${first.slice(0, 59)}…`;
}

function minutes(count: number): string {
  return count % 60 === 0 ? `${count / 60} h` : `${count} min`;
}

function targetText(target: Target): string {
  if ("rotation" in target) return mermaidText(`on call in rotation ${target.rotation}`);
  if ("userGroup" in target) return mermaidText(`user group ${target.userGroup}`);
  return mermaidText(`${target.users.length === 1 ? "user" : "users"} ${target.users.join(", ")}`);
}

/**
 * Mermaid node ids from playbook ids. Playbook ids may hold `-`, which
 * Mermaid could read as part of an arrow, so anything but letters, digits and
 * `_` becomes `_`; two names that collapse to the same id get a suffix.
 */
class NodeIds {
  private readonly byName = new Map<string, string>();
  private readonly taken = new Set<string>();

  of(name: string): string {
    const known = this.byName.get(name);
    if (known) return known;
    const base = name.replace(/[^A-Za-z0-9_]/g, "_");
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.byName.set(name, id);
    this.taken.add(id);
    return id;
  }
}
