import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPlaybook, parsePlaybook } from "../../src/core/config/playbook.ts";
import { mermaidText, renderPlaybookDiagram } from "../../src/core/config/playbook-diagram.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

const lines = (diagram: string) => diagram.split("\n").map((line) => line.trim());

describe("renderPlaybookDiagram: the default playbook", () => {
  const diagram = renderPlaybookDiagram(loadPlaybook(defaultPlaybookFile));
  const all = lines(diagram);

  it("is a top-down flowchart starting at the declaration", () => {
    expect(diagram.startsWith("flowchart TD\n")).toBe(true);
    expect(all).toContain('declare(["/incident declare"])');
  });

  it("goes from declaring to each severity, with its cadence and notice rule", () => {
    expect(all).toContain(
      'sev_SEV1["SEV1<br/>Critical · updates every 15 min · customer notice required"]',
    );
    expect(all).toContain('sev_SEV3["SEV3<br/>Minor · updates every 2 h"]');
    expect(all).toContain('sev_SEV4["SEV4<br/>Low · no update reminders"]');
    expect(all.filter((l) => l.startsWith("declare --> "))).toEqual([
      "declare --> sev_SEV1",
      "declare --> sev_SEV2",
      "declare --> sev_SEV3",
      "declare --> sev_SEV4",
    ]);
  });

  it("pages the roles each severity lists, and no others", () => {
    expect(all.filter((l) => l.includes('-->|"pages"|'))).toEqual([
      'sev_SEV1 -->|"pages"| role_incident_commander',
      'sev_SEV1 -->|"pages"| role_tech_lead',
      'sev_SEV1 -->|"pages"| role_comms_lead',
      'sev_SEV1 -->|"pages"| role_exec_sponsor',
      'sev_SEV2 -->|"pages"| role_incident_commander',
      'sev_SEV2 -->|"pages"| role_tech_lead',
      'sev_SEV2 -->|"pages"| role_comms_lead',
      'sev_SEV3 -->|"pages"| role_tech_lead',
    ]);
    expect(all).toContain('role_exec_sponsor("Executive sponsor")');
    // support_lead has a policy but no severity pages it.
    expect(diagram).not.toContain("role_support_lead");
  });

  it("walks each role's escalation levels, then repeats, then alerts the channel", () => {
    expect(all).toContain("role_incident_commander --> esc_engineering_1");
    expect(all).toContain("role_tech_lead --> esc_engineering_1");
    expect(all).toContain("role_comms_lead --> esc_communications_1");
    expect(all).toContain('subgraph esc_engineering["Escalation policy: engineering"]');
    expect(all).toContain('esc_engineering_1["Level 1<br/>on call in rotation primary"]');
    expect(all).toContain('esc_communications_1["Level 1<br/>user group S0SUPPORT"]');
    expect(all).toContain('esc_leadership_1["Level 1<br/>user U0DAVE"]');
    expect(all).toContain('esc_engineering_1 -->|"no ack in 5 min"| esc_engineering_2');
    expect(all).toContain(
      'esc_engineering_2 -.->|"no ack in 5 min: start again (1 more round)"| esc_engineering_1',
    );
    expect(all).toContain(
      'esc_engineering_2 -->|"no ack in 5 min in the last round"| esc_engineering_fallback',
    );
    expect(all).toContain('esc_engineering_fallback[["@here in the incident channel"]]');
    // leadership does not repeat: straight to the fallback.
    expect(all).toContain('esc_leadership_1 -->|"no ack in 10 min"| esc_leadership_fallback');
    expect(diagram).not.toContain("esc_leadership_1 -.->");
  });

  it("shows the activation checklists with their deadlines, started by the right severities", () => {
    expect(all).toContain(
      'check_engineering_confirm_source["Engineering: Confirm the source of the outage ≤ 5 min"]',
    );
    expect(all).toContain(
      'check_support_notice_approved["Support: Customer notice drafted and approved ≤ 10 min"]',
    );
    expect(all).toContain(
      'check_leadership_leadership_informed["Leadership: Leadership informed ≤ 15 min"]',
    );
    expect(all).toContain(
      'subgraph check_support["Support checklist · owner: Communications lead"]',
    );
    expect(all.filter((l) => l.endsWith("-.-> check_engineering"))).toHaveLength(4);
    expect(all.filter((l) => l.endsWith("-.-> check_support"))).toEqual([
      "sev_SEV1 -.-> check_support",
      "sev_SEV2 -.-> check_support",
    ]);
    expect(all.filter((l) => l.endsWith("-.-> check_leadership"))).toEqual([
      "sev_SEV1 -.-> check_leadership",
    ]);
  });

  it("closes every subgraph it opens", () => {
    const opened = all.filter((l) => l.startsWith("subgraph ")).length;
    expect(opened).toBe(6);
    expect(all.filter((l) => l === "end")).toHaveLength(opened);
  });
});

describe("renderPlaybookDiagram: labels and ids", () => {
  const book = parsePlaybook(
    `
version: 1
announcementChannel: "#incidents"
severities:
  SEV1: { description: 'The "big" one', updateCadenceMinutes: 45, page: [incident_commander] }
roles:
  incident_commander: { label: 'The "boss" <b>', escalation: ops }
escalationPolicies:
  ops:
    levels: [{ targets: [{ users: [U0ANN, U0BEN] }], delayMinutes: 3 }]
    repeat: 2
    fallback: none
checklists:
  a-b:
    label: 'Say "hi"'
    owner: incident_commander
    items: [{ id: x-y, text: 'Check #1 | "both"', deadlineMinutes: 2 }]
  a_b:
    label: Other
    owner: incident_commander
    items: [{ id: x_y, text: Anything, deadlineMinutes: 7 }]
`,
    "labels.yml",
  );
  const diagram = renderPlaybookDiagram(book);
  const all = lines(diagram);

  it("escapes quotes and markup in labels as Mermaid entity codes", () => {
    expect(all).toContain('sev_SEV1["SEV1<br/>The #quot;big#quot; one · updates every 45 min"]');
    expect(all).toContain('role_incident_commander("The #quot;boss#quot; #lt;b#gt;")');
    expect(all).toContain(
      'check_a_b_x_y["Say #quot;hi#quot;: Check #35;1 #124; #quot;both#quot; ≤ 2 min"]',
    );
    // No raw quote inside any label: each quoted label is exactly "…" with none within.
    for (const line of all) {
      for (const label of line.match(/\["[^\]]*"\]|\("[^)]*"\)|\|"[^|]*"\|/g) ?? []) {
        expect(label.slice(2, -2)).not.toContain('"');
      }
    }
  });

  it("escapes `#` before the codes it writes, so entity codes in text stay literal", () => {
    expect(mermaidText('#quot; "x" a&b `c`')).toBe("#35;quot; #quot;x#quot; a#amp;b #96;c#96;");
    expect(mermaidText("two\nlines")).toBe("two lines");
  });

  it("repeats several rounds and stops without a fallback when the policy says none", () => {
    expect(all).toContain('esc_ops_1["Level 1<br/>users U0ANN, U0BEN"]');
    expect(all).toContain(
      'esc_ops_1 -.->|"no ack in 3 min: start again (2 more rounds)"| esc_ops_1',
    );
    expect(all).toContain('esc_ops_1 -->|"no ack in 3 min in the last round"| esc_ops_stop');
    expect(diagram).not.toContain("@here");
  });

  it("gives ids that collapse to the same name distinct node ids", () => {
    expect(all).toContain(
      'subgraph check_a_b["Say #quot;hi#quot; checklist · owner: The #quot;boss#quot; #lt;b#gt;"]',
    );
    expect(all).toContain(
      'subgraph check_a_b_2["Other checklist · owner: The #quot;boss#quot; #lt;b#gt;"]',
    );
    expect(all).toContain('check_a_b_x_y_2["Other: Anything ≤ 7 min"]');
  });
});

describe("the committed diagrams", () => {
  const file = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

  it("match the default playbook (after changing playbook.yml, run npm run playbook:render and paste docs/playbook.mmd into README.md and docs/PLAYBOOK.md)", () => {
    const diagram = renderPlaybookDiagram(loadPlaybook(defaultPlaybookFile));
    expect(file("docs/playbook.mmd")).toBe(diagram);
    expect(file("docs/PLAYBOOK.md")).toContain(`\`\`\`mermaid\n${diagram}\`\`\`\n`);
    expect(file("README.md")).toContain(`\`\`\`mermaid\n${diagram}\`\`\`\n`);
  });
});
