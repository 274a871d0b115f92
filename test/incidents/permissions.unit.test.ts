import { describe, expect, it } from "vitest";
import { loadPlaybook } from "../../src/config/playbook.ts";
import { authorize } from "../../src/incidents/permissions.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

const playbook = loadPlaybook(defaultPlaybookFile);
const incident = {
  number: 3,
  roles: [
    { role: "incident_commander", userId: "U0ALICE" },
    { role: "comms_lead", userId: "U0CAROL" },
  ],
};

describe("authorize", () => {
  it("lets the holders of the listed roles act", () => {
    expect(authorize(playbook, incident, "U0ALICE", "resolve")).toEqual({ ok: true });
    expect(authorize(playbook, incident, "U0CAROL", "changeSeverity")).toEqual({ ok: true });
  });

  it("refuses others and says who can", () => {
    expect(authorize(playbook, incident, "U0CAROL", "resolve")).toEqual({
      ok: false,
      error: "Only the incident commander can resolve or reopen INC-3. Ask <@U0ALICE>.",
    });
    const severity = authorize(playbook, incident, "U0BOB", "changeSeverity");
    expect(!severity.ok && severity.error).toBe(
      "Only the incident commander, technical lead or communications lead can change the severity of INC-3. Ask <@U0ALICE> or <@U0CAROL>.",
    );
  });

  it("lets admins do anything", () => {
    const withAdmin = { ...playbook, permissions: { ...playbook.permissions, admins: ["U0DAVE"] } };
    expect(authorize(withAdmin, incident, "U0DAVE", "assignRoles")).toEqual({ ok: true });
    const refused = authorize(withAdmin, incident, "U0BOB", "assignRoles");
    expect(!refused.ok && refused.error).toContain("incident commander or an admin");
  });
});
