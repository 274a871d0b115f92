import { describe, expect, it } from "vitest";
import { runDemo } from "../../tools/demo/run-demo.ts";

describe("npm run demo", () => {
  it("plays the scripted incident through the real bot and prints a transcript", async () => {
    const lines: string[] = [];
    await runDemo({ write: (line) => lines.push(line) });
    const transcript = lines.join("\n");

    expect(transcript).toContain("#inc-1-checkout-api-returning-500s  + created by @incident-bot");
    expect(transcript).toContain(
      "#incidents  @incident-bot: :large_orange_circle: *INC-1: Checkout API returning 500s*",
    );
    expect(transcript).toContain('"sev9" is not a severity');
    expect(transcript).toContain(
      "@alice it has been 30 min since the last update on *INC-1* (SEV2)",
    );
    expect(transcript).toContain(
      "#incidents  ↳ @incident-bot: :white_check_mark: *INC-1: Checkout API returning 500s* is resolved by @alice.",
    );
    expect(transcript).toContain("SEV2 · Resolved · IC @alice");
    expect(transcript).toContain("Open incidents (1)");

    // The SEV1 scene: pages by DM, escalation after 5 minutes, acknowledgements, checklists.
    expect(transcript).toMatch(
      /DM @\w+ {2}@incident-bot: :rotating_light: You are paged as \*Technical lead\* for \*INC-3/,
    );
    expect(transcript).toContain("(escalated: level 2)");
    expect(transcript).toMatch(/acknowledged and is now \*Communications lead\*/);
    expect(transcript).toContain("*Engineering checklist* for INC-3");
    expect(transcript).toContain(
      "overdue on INC-3 (Support): *Customer notice drafted and approved*",
    );

    // The follow-up scene, against the GitHub emulator.
    expect(transcript).toContain("🔗 GitHub issue #1 opened for the action item: Add a canary stage to checkout-api deploys. Assigned to bob on GitHub.");
    expect(transcript).toContain('GitHub acme/ops#1 [open]  "INC-1: Add a canary stage to checkout-api deploys"  labels: incident, SEV2, INC-1 · assigned: bob');
    expect(transcript).toContain('(webhook issues.closed → /github/webhook: 200 {"status":"processed"})');
    expect(transcript).toContain("✅ Action item done: Add a canary stage to checkout-api deploys. GitHub issue #1 was closed by bob.");
    expect(transcript).toContain('"Postmortem: INC-1: Checkout API returning 500s"  labels: postmortem, incident, SEV2, INC-1 · assigned: bob');
    expect(transcript).toContain("    | ## Timeline");
    expect(transcript).toContain("Weekly incident digest");
    expect(transcript).toMatch(/Document the checkout-api rollback steps · due \d{4}-\d{2}-\d{2} · <https:\/\/github\.com\/acme\/ops\/issues\/3\|#3> · :warning: \*overdue\*/);
    expect(transcript).toMatch(/\[home for @carol\] .*Your action items \(1\)/);
    // From alert to customer notice (issue #13): Alertmanager declares a SEV1, PagerDuty pages, an ack there seats the IC, one click approves.
    expect(transcript).toContain('Alertmanager → POST /alerts/alertmanager (3 firing alerts): 202');
    expect(transcript).toContain("#inc-5-checkout-error-rate-above-5-in-3-regions  + created by @incident-bot");
    expect(transcript).toContain("Customer notice *investigating* v1 for INC-5, drafted from the template as the incident was declared.");
    expect(transcript).toContain("(webhook incident.acknowledged → /pagers/pagerduty/webhook: 200)");
    expect(transcript).toContain("acknowledged in PagerDuty by Alice Archer (@alice, who takes the role)");
    expect(transcript).toContain("Customer notice *investigating* v1 approved by @alice.");
    expect(transcript).toContain("(webhook Acknowledge → /pagers/opsgenie/webhook: 200)");
    expect(transcript).toContain("The Communications lead page was acknowledged in Opsgenie by carol@example.com (@carol, who takes the role).");
    expect(transcript).toContain("✅ Resolved by the monitor (Alertmanager): Checkout error rate above 5% in 3 regions.");
    expect(transcript).toMatch(/PagerDuty #1 \[resolved\] {2}"INC-5: Checkout error rate above 5% in 3 regions · SEV1 · Incident commander needed"/);
    // Homes are republished on every change, but the transcript only shows the one carol opened.
    expect(transcript.match(/\[home for /g)).toHaveLength(1);

    // After the resolve, the two simulated hours bring no reminder for INC-1.
    // Both markers must be there, in order: otherwise the slice below would be
    // a stray character or empty, and the check would pass on nothing.
    const start = transcript.indexOf("… 120 minutes later …");
    expect(start, "marker '… 120 minutes later …' is in the transcript").toBeGreaterThanOrEqual(0);
    const end = transcript.indexOf("== A SEV1", start);
    expect(end, "marker '== A SEV1' follows it").toBeGreaterThan(start);
    expect(transcript.slice(start, end)).not.toContain("since the last update");
  });
});
