import type { AlertRoute, Playbook } from "../../core/config/playbook.ts";

/**
 * Which route takes a group of alerts, and what it makes of them. Pure: the
 * playbook's `alerts.routes` in order, first match wins. A route matches when
 * every `match` label equals the group's and every `matchRegex` label matches
 * the whole value (as Alertmanager's `=~` does). Alerts no route takes are
 * not dropped: they are triaged at the least severe severity, so a person
 * decides (docs/ALERTS.md).
 */

export interface RoutedGroup {
  /** The route's name, `routes[i]`, or `unrouted`. */
  route: string;
  action: "declare" | "triage";
  severity: string;
  team: string | undefined;
  components: string[];
  escalation: string | undefined;
  isPrivate: boolean;
}

export function routeFor(playbook: Playbook, labels: Readonly<Record<string, string>>): RoutedGroup {
  const routes = playbook.alerts.routes;
  const index = routes.findIndex((route) => matches(route, labels));
  const route = routes[index];
  if (!route) {
    return {
      route: "unrouted",
      action: "triage",
      severity: leastSevere(playbook),
      team: undefined,
      components: [],
      escalation: undefined,
      isPrivate: false,
    };
  }
  return {
    route: route.name ?? `routes[${index}]`,
    action: route.action,
    severity: route.severity,
    team: route.team,
    components: [...route.components],
    escalation: route.escalation,
    isPrivate: route.private,
  };
}

export function matches(route: Pick<AlertRoute, "match" | "matchRegex">, labels: Readonly<Record<string, string>>): boolean {
  for (const [name, value] of Object.entries(route.match)) {
    if (labels[name] !== value) return false;
  }
  for (const [name, pattern] of Object.entries(route.matchRegex)) {
    const value = labels[name];
    if (value === undefined || !new RegExp(`^(?:${pattern})$`).test(value)) return false;
  }
  return true;
}

/** SEV1 is the most severe; the highest number is the least. */
function leastSevere(playbook: Playbook): string {
  return Object.keys(playbook.severities).sort().at(-1)!;
}
