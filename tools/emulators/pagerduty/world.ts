import { createHash, randomBytes } from "node:crypto";
import type { EventAction, Severity, ValidEvent } from "./events.ts";

export type Urgency = "high" | "low";

export type SeedUser = { id: string; name: string; email: string };

export type SeedService = {
  id: string;
  name: string;
  /** The Events API v2 integration key (routing key), 32 characters. */
  integrationKey: string;
  /** `severity_based` makes critical and error events high urgency, warning and info low. */
  urgency?: Urgency | "severity_based";
  /** Who the service's escalation policy pages first; the first seeded user by default. */
  onCall?: string;
};

export type SeedData = { users: SeedUser[]; services: SeedService[] };

/** An integration key the way PagerDuty shows one: 32 lower-case hex characters. */
export function integrationKeyFor(name: string): string {
  return createHash("md5").update(`pagerduty-emulator:${name}`).digest("hex");
}

/** Two services and three people, the same names as the other emulators' worlds. */
export function defaultSeed(): SeedData {
  return {
    users: [
      { id: "PALICE1", name: "Alice Archer", email: "alice@example.com" },
      { id: "PBOBBY2", name: "Bob Baker", email: "bob@example.com" },
      { id: "PCAROL3", name: "Carol Chen", email: "carol@example.com" },
    ],
    services: [
      {
        id: "PCHKOUT",
        name: "Checkout API",
        integrationKey: integrationKeyFor("checkout"),
        onCall: "PALICE1",
      },
      {
        id: "PPLTFRM",
        name: "Platform",
        integrationKey: integrationKeyFor("platform"),
        urgency: "severity_based",
        onCall: "PBOBBY2",
      },
    ],
  };
}

export type User = Readonly<SeedUser>;

export type Service = {
  readonly id: string;
  readonly name: string;
  readonly integrationKey: string;
  /** The Events API v2 integration's own id, the agent of changes made by events. */
  readonly integrationId: string;
  readonly urgency: Urgency | "severity_based";
  readonly escalationPolicy: { readonly id: string; readonly name: string };
  readonly onCall: User;
};

/** Who made a change: a person, or the service's Events API integration. */
export type Agent = { kind: "user"; user: User } | { kind: "integration"; service: Service };

export type Alert = {
  readonly id: string;
  readonly dedupKey: string;
  readonly summary: string;
  readonly severity: Severity;
  readonly source: string;
  readonly component?: string;
  readonly group?: string;
  readonly class?: string;
  readonly customDetails?: unknown;
  readonly createdAt: Date;
  /** Triggers de-duplicated into this alert, the first included. */
  eventCount: number;
};

export type LogEntry = {
  readonly type: "trigger" | "deduplicated_trigger" | "acknowledge" | "resolve";
  readonly at: Date;
  readonly agent: Agent;
};

export type Incident = {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  status: "triggered" | "acknowledged" | "resolved";
  /** The dedup_key of the event that opened it. */
  readonly incidentKey: string;
  readonly service: Service;
  readonly urgency: Urgency;
  readonly createdAt: Date;
  updatedAt: Date;
  readonly assignees: User[];
  readonly acknowledgements: { at: Date; by: Agent }[];
  resolvedAt: Date | null;
  resolvedBy: Agent | null;
  readonly alerts: Alert[];
  readonly logEntries: LogEntry[];
};

export type IncidentEventType = "incident.triggered" | "incident.acknowledged" | "incident.resolved";

/** A change PagerDuty announces to webhook subscriptions. */
export type WorldEvent = {
  type: IncidentEventType;
  incident: Incident;
  agent: Agent;
  at: Date;
};

export type WorldListener = (event: WorldEvent) => void;

/**
 * PagerDuty as the emulator knows it: users, services with their integration keys and on-call
 * person, and the incidents events and people open, acknowledge and resolve.
 */
export class World {
  private readonly users = new Map<string, User>();
  private readonly servicesById = new Map<string, Service>();
  private readonly servicesByKey = new Map<string, Service>();
  private readonly incidentList: Incident[] = [];
  private readonly listeners = new Set<WorldListener>();
  private nextNumber = 1;

  constructor(
    seed: SeedData,
    private readonly now: () => number,
  ) {
    for (const user of seed.users) this.users.set(user.id, { ...user });
    const firstUser = seed.users[0];
    for (const seeded of seed.services) {
      if (seeded.integrationKey.length !== 32) {
        throw new RangeError(`Integration key of ${seeded.name} must be 32 characters`);
      }
      const onCallId = seeded.onCall ?? firstUser?.id;
      const onCall = onCallId ? this.users.get(onCallId) : undefined;
      if (!onCall) throw new RangeError(`Service ${seeded.name} needs an on-call user`);
      const service: Service = {
        id: seeded.id,
        name: seeded.name,
        integrationKey: seeded.integrationKey,
        integrationId: `PI${seeded.id.slice(1, 6).padEnd(5, "0")}`,
        urgency: seeded.urgency ?? "high",
        escalationPolicy: { id: `PE${seeded.id.slice(1, 6).padEnd(5, "0")}`, name: `${seeded.name} escalation` },
        onCall,
      };
      this.servicesById.set(service.id, service);
      this.servicesByKey.set(service.integrationKey, service);
    }
  }

  onEvent(listener: WorldListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  user(id: string): User | undefined {
    return this.users.get(id);
  }

  service(id: string): Service | undefined {
    return this.servicesById.get(id);
  }

  serviceByIntegrationKey(key: string): Service | undefined {
    return this.servicesByKey.get(key);
  }

  get services(): readonly Service[] {
    return [...this.servicesById.values()];
  }

  /** Every incident, oldest first. */
  get incidents(): readonly Incident[] {
    return this.incidentList;
  }

  /**
   * An incident by its id, else by its incident key (dedup_key): the open one if there is one,
   * else the latest.
   */
  incident(idOrKey: string): Incident | undefined {
    const byId = this.incidentList.find((incident) => incident.id === idOrKey);
    if (byId) return byId;
    const withKey = this.incidentList.filter((incident) => incident.incidentKey === idOrKey);
    return withKey.find((incident) => incident.status !== "resolved") ?? withKey.at(-1);
  }

  /** The open (triggered or acknowledged) incident with this key on this service. */
  openIncident(service: Service, dedupKey: string): Incident | undefined {
    return this.incidentList.find(
      (incident) =>
        incident.service === service &&
        incident.incidentKey === dedupKey &&
        incident.status !== "resolved",
    );
  }

  /**
   * Applies an accepted Events API event, as PagerDuty does: a trigger for a key with an open
   * incident is de-duplicated into it; acknowledge and resolve of a key with no open incident
   * change nothing.
   *
   * @returns the event's dedup_key, generated for a trigger that had none.
   */
  applyEvent(service: Service, event: ValidEvent): string {
    const agent: Agent = { kind: "integration", service };
    const dedupKey = event.dedupKey ?? randomBytes(16).toString("hex");
    const open = this.openIncident(service, dedupKey);
    const actions: Record<EventAction, () => void> = {
      trigger: () => {
        if (open) {
          const alert = open.alerts[0];
          if (alert) alert.eventCount += 1;
          open.logEntries.push({ type: "deduplicated_trigger", at: this.date(), agent });
          return;
        }
        this.openNew(service, dedupKey, event);
      },
      acknowledge: () => {
        if (open?.status === "triggered") this.acknowledge(open, agent);
      },
      resolve: () => {
        if (open) this.resolve(open, agent);
      },
    };
    actions[event.action]();
    return dedupKey;
  }

  /** Marks the incident acknowledged (again, when a person re-acknowledges it). */
  acknowledge(incident: Incident, agent: Agent): void {
    if (incident.status === "resolved") throw new Error(`Incident ${incident.id} is resolved`);
    const at = this.date();
    incident.status = "acknowledged";
    incident.updatedAt = at;
    incident.acknowledgements.push({ at, by: agent });
    incident.logEntries.push({ type: "acknowledge", at, agent });
    this.emit({ type: "incident.acknowledged", incident, agent, at });
  }

  resolve(incident: Incident, agent: Agent): void {
    if (incident.status === "resolved") throw new Error(`Incident ${incident.id} is already resolved`);
    const at = this.date();
    incident.status = "resolved";
    incident.updatedAt = at;
    incident.resolvedAt = at;
    incident.resolvedBy = agent;
    incident.logEntries.push({ type: "resolve", at, agent });
    this.emit({ type: "incident.resolved", incident, agent, at });
  }

  private openNew(service: Service, dedupKey: string, event: ValidEvent): void {
    const payload = event.payload;
    if (!payload) throw new Error("A trigger needs a payload");
    const at = this.date();
    const agent: Agent = { kind: "integration", service };
    const urgency: Urgency =
      service.urgency === "severity_based"
        ? payload.severity === "critical" || payload.severity === "error"
          ? "high"
          : "low"
        : service.urgency;
    const incident: Incident = {
      id: pagerDutyId("Q", 13),
      number: this.nextNumber++,
      title: payload.summary,
      status: "triggered",
      incidentKey: dedupKey,
      service,
      urgency,
      createdAt: at,
      updatedAt: at,
      assignees: [service.onCall],
      acknowledgements: [],
      resolvedAt: null,
      resolvedBy: null,
      alerts: [
        {
          id: pagerDutyId("Q", 13),
          dedupKey,
          summary: payload.summary,
          severity: payload.severity,
          source: payload.source,
          ...(payload.component !== undefined ? { component: payload.component } : {}),
          ...(payload.group !== undefined ? { group: payload.group } : {}),
          ...(payload.class !== undefined ? { class: payload.class } : {}),
          ...(payload.customDetails !== undefined ? { customDetails: payload.customDetails } : {}),
          createdAt: at,
          eventCount: 1,
        },
      ],
      logEntries: [{ type: "trigger", at, agent }],
    };
    this.incidentList.push(incident);
    this.emit({ type: "incident.triggered", incident, agent, at });
  }

  private emit(event: WorldEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private date(): Date {
    return new Date(this.now());
  }
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** PagerDuty's object ids: a letter, then upper-case letters and digits (P……, Q…… for incidents). */
export function pagerDutyId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += idAlphabet[byte % idAlphabet.length];
  return id;
}
