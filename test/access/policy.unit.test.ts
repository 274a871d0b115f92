import { describe, expect, it } from "vitest";
import { type Capability, decide, type IncidentAccessFacts } from "../../src/domain/access/policy.ts";
import { loadPlaybook } from "../../src/core/config/playbook.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

const playbook = loadPlaybook(defaultPlaybookFile);
const incident: IncidentAccessFacts = {
  number: 3,
  isPrivate: false,
  roles: [
    { role: "incident_commander", userId: "U0ALICE" },
    { role: "comms_lead", userId: "U0CAROL" },
  ],
};
const authorize = (book: typeof playbook, userId: string, capability: Capability, facts = incident, inChannel = false) =>
  decide(book, facts, { userId, inChannel }, capability);

describe("the access policy's permissions", () => {
  it("lets the holders of the listed roles act", () => {
    expect(authorize(playbook, "U0ALICE", "resolve")).toEqual({ ok: true });
    expect(authorize(playbook, "U0CAROL", "changeSeverity")).toEqual({ ok: true });
  });

  it("refuses others and says who can", () => {
    expect(authorize(playbook, "U0CAROL", "resolve")).toEqual({
      ok: false,
      error: "Only the incident commander can resolve or reopen INC-3. Ask <@U0ALICE>.",
    });
    const severity = authorize(playbook, "U0BOB", "changeSeverity");
    expect(!severity.ok && severity.error).toBe(
      "Only the incident commander, technical lead or communications lead can change the severity of INC-3. Ask <@U0ALICE> or <@U0CAROL>.",
    );
  });

  it("lets admins do anything", () => {
    const withAdmin = { ...playbook, permissions: { ...playbook.permissions, admins: ["U0DAVE"] } };
    expect(authorize(withAdmin, "U0DAVE", "assignRoles")).toEqual({ ok: true });
    const refused = authorize(withAdmin, "U0BOB", "assignRoles");
    expect(!refused.ok && refused.error).toContain("incident commander or an admin");
  });

  it("gives publishStatus to the incident commander and the comms lead by default", () => {
    expect(playbook.permissions.publishStatus).toEqual(["incident_commander", "comms_lead"]);
    expect(authorize(playbook, "U0CAROL", "publishStatus")).toEqual({ ok: true });
    const refused = authorize(playbook, "U0BOB", "publishStatus");
    expect(!refused.ok && refused.error).toBe(
      "Only the incident commander or communications lead can publish to the status page for INC-3. Ask <@U0ALICE> or <@U0CAROL>.",
    );
  });

  it("shows a private incident only to its channel's members, its role holders and the admins", () => {
    const secret = { ...incident, isPrivate: true };
    const withAdmin = { ...playbook, permissions: { ...playbook.permissions, admins: ["U0DAVE"] } };
    expect(authorize(withAdmin, "U0BOB", "view", secret)).toMatchObject({ ok: false });
    expect(authorize(withAdmin, "U0BOB", "contribute", secret)).toMatchObject({ ok: false });
    expect(authorize(withAdmin, "U0BOB", "view", secret, true)).toEqual({ ok: true });
    expect(authorize(withAdmin, "U0CAROL", "view", secret)).toEqual({ ok: true });
    expect(authorize(withAdmin, "U0DAVE", "resolve", secret)).toEqual({ ok: true });
    // A member without the role still needs the permission.
    expect(authorize(withAdmin, "U0BOB", "resolve", secret, true)).toMatchObject({ ok: false });
    const refused = authorize(withAdmin, "U0BOB", "view", secret);
    expect(!refused.ok && refused.error).not.toContain("Checkout");
  });

  it("lets only the addressee answer a page, private or not", () => {
    const secret = { ...incident, isPrivate: true };
    expect(decide(playbook, secret, { userId: "U0BOB", inChannel: false, addressee: "U0BOB" }, "answerPage")).toEqual({ ok: true });
    expect(decide(playbook, secret, { userId: "U0ALICE", inChannel: true, addressee: "U0BOB" }, "answerPage")).toEqual({
      ok: false,
      error: "This page is for <@U0BOB>.",
    });
  });

  it("asks for publishStatus too when a state change would show on the public status page", () => {
    const shown = { ...incident, roles: [...incident.roles, { role: "tech_lead", userId: "U0BOB" }], onStatusPage: true };
    // The tech lead may change the severity, but not of an incident the public is reading about.
    expect(authorize(playbook, "U0BOB", "changeSeverity", { ...shown, onStatusPage: false })).toEqual({ ok: true });
    const refused = authorize(playbook, "U0BOB", "changeSeverity", shown);
    expect(!refused.ok && refused.error).toContain("can publish to the status page for INC-3");
    expect(authorize(playbook, "U0ALICE", "resolve", shown)).toEqual({ ok: true });
    expect(authorize(playbook, "U0CAROL", "changeSeverity", shown)).toEqual({ ok: true });
  });
});
