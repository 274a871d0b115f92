import { describe, expect, it } from "vitest";
import { loadPlaybook, type Playbook } from "../../src/core/config/playbook.ts";
import { routeFor } from "../../src/capabilities/alerts/routing.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

function withRoutes(routes: Playbook["alerts"]["routes"]): Playbook {
  const book = loadPlaybook(defaultPlaybookFile);
  return { ...book, alerts: { ...book.alerts, routes } };
}

const route = (overrides: Partial<Playbook["alerts"]["routes"][number]>): Playbook["alerts"]["routes"][number] => ({
  match: {},
  matchRegex: {},
  severity: "SEV2",
  components: [],
  action: "triage",
  private: false,
  ...overrides,
});

describe("alert routing", () => {
  const playbook = withRoutes([
    route({ name: "checkout-down", match: { service: "checkout", severity: "critical" }, severity: "SEV1", action: "declare", components: ["api"] }),
    route({ matchRegex: { service: "postgres|redis" }, severity: "SEV2", escalation: "engineering" }),
    route({ name: "catch-checkout", match: { service: "checkout" }, severity: "SEV3" }),
  ]);

  it("takes the first route whose labels all match", () => {
    expect(routeFor(playbook, { service: "checkout", severity: "critical", region: "eu" })).toMatchObject({
      route: "checkout-down",
      action: "declare",
      severity: "SEV1",
      components: ["api"],
    });
    expect(routeFor(playbook, { service: "checkout", severity: "warning" })).toMatchObject({ route: "catch-checkout", severity: "SEV3" });
  });

  it("matches a regular expression against the whole value, and names an unnamed route by its place", () => {
    expect(routeFor(playbook, { service: "redis" })).toMatchObject({ route: "routes[1]", escalation: "engineering" });
    expect(routeFor(playbook, { service: "redis-cache" }).route).toBe("unrouted");
    expect(routeFor(playbook, {}).route).toBe("unrouted");
  });

  it("triages what no route takes, at the least severe severity", () => {
    expect(routeFor(playbook, { service: "billing" })).toEqual({
      route: "unrouted",
      action: "triage",
      severity: "SEV4",
      team: undefined,
      components: [],
      escalation: undefined,
      isPrivate: false,
    });
  });
});
