import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadPlaybook, PlaybookError, parsePlaybook } from "../../src/core/config/playbook.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

const file = "team-playbook.yml";

/** A small but complete playbook: every section, every cross-reference used once. */
function valid() {
  return {
    version: 1,
    announcementChannel: "#incidents",
    severities: {
      SEV1: {
        description: "Critical",
        updateCadenceMinutes: 15,
        page: ["incident_commander", "tech_lead"],
      },
      SEV2: { description: "Minor", updateCadenceMinutes: null },
    },
    roles: {
      incident_commander: { label: "IC", escalation: "engineering" },
      tech_lead: { label: "Tech lead", escalation: "engineering" },
    },
    rotations: {
      primary: {
        members: ["U0ALICE", "U0BOB"],
        shift: { days: 7 },
        handoff: "2026-01-05T09:00",
        timezone: "Europe/London",
        overrides: [{ user: "U0CAROL", from: "2026-01-07T09:00", to: "2026-01-08T09:00" }],
      },
    },
    escalationPolicies: {
      engineering: {
        levels: [
          { targets: [{ rotation: "primary" }], delayMinutes: 5 },
          { targets: [{ userGroup: "S0ENG" }, { users: ["U0DAVE"] }], delayMinutes: 10 },
        ],
        repeat: 1,
      },
    },
    checklists: {
      engineering: {
        label: "Engineering",
        owner: "tech_lead",
        severities: ["SEV1"],
        items: [
          { id: "confirm-source", text: "Confirm the source", deadlineMinutes: 5 },
          { id: "first-update", text: "First update", deadlineMinutes: 10 },
        ],
      },
    },
    permissions: { resolve: ["incident_commander", "tech_lead"] },
  };
}

type Book = ReturnType<typeof valid> & Record<string, unknown>;

/** The problems reported for `valid()` after `change`, checking each names the file. */
function problemsAfter(change: (book: Book) => void): string[] {
  const book = valid() as Book;
  change(book);
  return problemsIn(stringify(book));
}

function problemsIn(text: string): string[] {
  try {
    parsePlaybook(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(PlaybookError);
    const playbookError = error as PlaybookError;
    expect(playbookError.file).toBe(file);
    expect(playbookError.message).toContain(`${file} is not a valid playbook:`);
    for (const problem of playbookError.problems) expect(playbookError.message).toContain(problem);
    return playbookError.problems;
  }
  throw new Error("expected the playbook to be rejected");
}

describe("valid playbooks", () => {
  it("accepts the shipped default and fills in its defaults", () => {
    const book = loadPlaybook(defaultPlaybookFile);
    expect(book.severities.SEV1?.page).toEqual([
      "incident_commander",
      "tech_lead",
      "comms_lead",
      "exec_sponsor",
    ]);
    expect(book.severities.SEV3?.customerNoticeRequired).toBe(false);
    expect(book.severities.SEV4?.page).toEqual([]);
    expect(book.rotations.secondary?.overrides).toEqual([]);
    expect(book.escalationPolicies.leadership).toEqual({
      levels: [{ targets: [{ users: ["U0DAVE"] }], delayMinutes: 10 }],
      repeat: 0,
      fallback: "channel",
    });
    expect(book.checklists.engineering?.items.map((i) => [i.id, i.deadlineMinutes])).toEqual([
      ["confirm-source", 5],
      ["first-update", 10],
    ]);
  });

  it("accepts a minimal playbook and gives the optional sections their defaults", () => {
    const book = parsePlaybook(
      [
        "version: 1",
        'announcementChannel: "C0INCIDENTS"',
        "severities:",
        "  SEV1: { description: Everything is down, updateCadenceMinutes: 30 }",
        "roles:",
        "  incident_commander: { label: Incident commander }",
      ].join("\n"),
      file,
    );
    expect(book).toEqual({
      version: 1,
      announcementChannel: "C0INCIDENTS",
      severities: {
        SEV1: {
          description: "Everything is down",
          updateCadenceMinutes: 30,
          customerNoticeRequired: false,
          page: [],
          componentStatus: "degraded_performance",
        },
      },
      roles: { incident_commander: { label: "Incident commander", description: "" } },
      rotations: {},
      escalationPolicies: {},
      checklists: {},
      components: [],
      customerNotices: {
        companyName: "Our company",
        supportContact: "support@example.com",
        timezone: "UTC",
        from: "Status <status@example.com>",
        approvers: [],
        deadlineMinutes: 10,
      },
      statusPage: { title: "Service status" },
      followUps: { timezone: "UTC", githubUsers: {}, postmortemReviewDays: 5, reconcileMinutes: 15, privateIncidents: "redacted" },
      pagerUsers: {},
      alerts: { routes: [], snoozeMinutes: 60 },
      permissions: {
        changeSeverity: ["incident_commander"],
        resolve: ["incident_commander"],
        assignRoles: ["incident_commander"],
        // No comms_lead role in this playbook: only the IC may publish.
        publishStatus: ["incident_commander"],
        admins: [],
      },
    });
  });

  it("accepts the fuller test playbook", () => {
    expect(parsePlaybook(stringify(valid()), file).permissions.resolve).toEqual([
      "incident_commander",
      "tech_lead",
    ]);
  });

  it("reports a file it cannot read, and how to point at the right one", () => {
    expect(() => loadPlaybook("/nonexistent/playbook.yml")).toThrow(
      /\/nonexistent\/playbook\.yml is not a valid playbook:\n {2}- cannot be read \(ENOENT\); set PLAYBOOK_FILE/,
    );
  });
});

describe("each problem names the path, what was expected and what was found", () => {
  // Each row: what the test is about, the change to a valid playbook, and the problems reported.
  it.each<[string, (book: Book) => void, string[]]>([
    [
      "an unknown role in severities.X.page[i]",
      (b) => {
        b.severities.SEV1.page.push("comms_lead");
      },
      [
        'severities.SEV1.page[2]: unknown role "comms_lead"; expected one of the roles: incident_commander, tech_lead',
      ],
    ],
    [
      "a paged role with no escalation policy",
      (b) => {
        b.roles.tech_lead = { label: "Tech lead" } as typeof b.roles.tech_lead;
      },
      [
        'severities.SEV1.page[1]: role "tech_lead" has no escalation policy, so it cannot be paged; expected a role with roles.tech_lead.escalation set',
      ],
    ],
    [
      "an unknown escalation policy",
      (b) => {
        b.roles.tech_lead.escalation = "platform";
      },
      [
        'roles.tech_lead.escalation: unknown escalation policy "platform"; expected one of the escalationPolicies: engineering',
      ],
    ],
    [
      "an unknown rotation in a policy's target",
      (b) => {
        b.escalationPolicies.engineering.levels[0]!.targets = [{ rotation: "secondary" }];
      },
      [
        'escalationPolicies.engineering.levels[0].targets[0].rotation: unknown rotation "secondary"; expected one of the rotations: primary',
      ],
    ],
    [
      "a target of the wrong shape",
      (b) => {
        b.escalationPolicies.engineering.levels[1]!.targets[1] = { team: "sre" } as never;
      },
      [
        'escalationPolicies.engineering.levels[1].targets[1]: expected one of { rotation: primary }, { userGroup: S0123ABCD } or { users: [U0123ABCD] } (found {"team":"sre"})',
      ],
    ],
    [
      "a bad Slack user ID in a rotation's members",
      (b) => {
        b.rotations.primary.members[1] = "bob";
      },
      [
        'rotations.primary.members[1]: expected a Slack user ID such as U0123ABCD (found "bob")',
      ],
    ],
    [
      "a bad time zone",
      (b) => {
        b.rotations.primary.timezone = "Europe/Londn";
      },
      [
        'rotations.primary.timezone: expected an IANA time zone such as Europe/London (found "Europe/Londn")',
      ],
    ],
    [
      "a bad handoff format",
      (b) => {
        b.rotations.primary.handoff = "Monday 9am";
      },
      [
        'rotations.primary.handoff: expected local date and time such as 2026-01-05T09:00 (found "Monday 9am")',
      ],
    ],
    [
      "a handoff on a day that does not exist",
      (b) => {
        b.rotations.primary.handoff = "2026-02-30T09:00";
      },
      [
        'rotations.primary.handoff: is not a real date and time (check the day of the month) (found "2026-02-30T09:00")',
      ],
    ],
    [
      "a shift that is neither days nor hours",
      (b) => {
        b.rotations.primary.shift = { weeks: 1 } as never;
      },
      [
        'rotations.primary.shift: expected { days: N } or { hours: N } (found {"weeks":1})',
      ],
    ],
    [
      "an override whose `to` is not after its `from`",
      (b) => {
        b.rotations.primary.overrides[0]!.to = "2026-01-06T09:00";
      },
      [
        'rotations.primary.overrides[0].to: must be after from; expected a time after 2026-01-07T09:00 (found "2026-01-06T09:00")',
      ],
    ],
    [
      "an unknown checklist owner role",
      (b) => {
        b.checklists.engineering.owner = "sre";
      },
      [
        'checklists.engineering.owner: unknown role "sre"; expected one of the roles: incident_commander, tech_lead',
      ],
    ],
    [
      "duplicate checklist item ids",
      (b) => {
        b.checklists.engineering.items[1]!.id = "confirm-source";
      },
      [
        'checklists.engineering.items[1].id: duplicate item id "confirm-source"; expected an id not used by another item of this checklist (items[0] has it)',
      ],
    ],
    [
      "an unknown severity in a checklist",
      (b) => {
        b.checklists.engineering.severities = ["SEV1", "SEV3"];
      },
      [
        'checklists.engineering.severities[1]: unknown severity "SEV3"; expected one of the severities: SEV1, SEV2',
      ],
    ],
    [
      "an unknown role in a permission",
      (b) => {
        b.permissions.resolve = ["incident_commander", "cto"];
      },
      [
        'permissions.resolve[1]: unknown role "cto"; expected one of the roles: incident_commander, tech_lead',
      ],
    ],
    [
      "an unknown key further down",
      (b) => {
        (b.severities.SEV2 as Record<string, unknown>).pages = ["tech_lead"];
      },
      [
        'severities.SEV2: unknown key "pages"; expected only description, updateCadenceMinutes, customerNoticeRequired, page, componentStatus',
      ],
    ],
    [
      "a severity key that is not SEV1 … SEV9",
      (b) => {
        (b.severities as Record<string, unknown>).P1 = b.severities.SEV2;
      },
      ['severities.P1: invalid key "P1": expected SEV1 … SEV9'],
    ],
    [
      "a missing field, a wrong type, a wrong literal and a number out of range",
      (b) => {
        b.version = 2;
        (b as Record<string, unknown>).announcementChannel = undefined;
        b.severities.SEV1.updateCadenceMinutes = "often" as never;
        b.escalationPolicies.engineering.levels[0]!.delayMinutes = 0;
      },
      [
        "version: expected 1 (found 2)",
        "announcementChannel: expected a string (missing)",
        'severities.SEV1.updateCadenceMinutes: expected a number (found "often")',
        "escalationPolicies.engineering.levels[0].delayMinutes: expected a number greater than 0 (found 0)",
      ],
    ],
  ])("%s", (_name, change, problems) => {
    expect(problemsAfter(change)).toEqual(problems);
  });

  it("an unknown top-level key (the playbook is strict)", () => {
    expect(
      problemsAfter((b) => {
        b.followUps = { githubUsers: { U0ALICE: "-not-a-login" }, digest: { channel: "#incidents", time: "9am" } };
      }),
    ).toEqual([
      'followUps.githubUsers.U0ALICE: expected a GitHub login such as octocat (found "-not-a-login")',
      'followUps.digest.time: expected a 24-hour time such as 09:00 (found "9am")',
    ]);
    expect(
      problemsAfter((b) => {
        b.escalation = {};
      }),
    ).toEqual([
      '(top level): unknown key "escalation"; expected only version, announcementChannel, severities, roles, rotations, escalationPolicies, checklists, components, customerNotices, statusPage, followUps, pagerUsers, alerts, permissions',
    ]);
  });

  it("reports every problem at once, not just the first", () => {
    const problems = problemsAfter((b) => {
      b.rotations.primary.timezone = "Mars/Olympus";
      b.checklists.engineering.owner = "sre";
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "rotations.primary.timezone",
      "checklists.engineering.owner",
    ]);
  });

  it("a YAML syntax error, with its line", () => {
    const problems = problemsIn(
      ["version: 1", 'announcementChannel: "#incidents"', "severities:", "  SEV1: [oops"].join(
        "\n",
      ),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^YAML syntax at line 4: /);
  });

  it("a duplicate YAML key, with its line", () => {
    const problems = problemsIn(["version: 1", "version: 1"].join("\n"));
    expect(problems[0]).toMatch(/^YAML syntax at line 2: Map keys must be unique/);
  });

  it("an empty file", () => {
    expect(problemsIn("")).toEqual(["(top level): expected an object (found null)"]);
  });
});
