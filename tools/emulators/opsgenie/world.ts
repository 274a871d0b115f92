import { randomUUID } from "node:crypto";

export type SeedUser = { id: string; username: string; fullName: string };
export type SeedTeam = { id: string; name: string };
export type SeedData = { users: SeedUser[]; teams: SeedTeam[] };

/** Three people (Opsgenie usernames are emails) and one team, like the other emulators' worlds. */
export function defaultSeed(): SeedData {
  return {
    users: [
      { id: "0f5a1c2e-1111-4a0b-8c3d-000000000001", username: "alice@example.com", fullName: "Alice Archer" },
      { id: "0f5a1c2e-2222-4a0b-8c3d-000000000002", username: "bob@example.com", fullName: "Bob Baker" },
      { id: "0f5a1c2e-3333-4a0b-8c3d-000000000003", username: "carol@example.com", fullName: "Carol Chen" },
    ],
    teams: [{ id: "7c1e2d3f-aaaa-4b5c-9d6e-000000000001", name: "SRE" }],
  };
}

export type Priority = "P1" | "P2" | "P3" | "P4" | "P5";

export type Responder = {
  type: "team" | "user" | "escalation" | "schedule";
  id?: string;
  name?: string;
  username?: string;
};

export type Integration = { id: string; name: string; type: "API" };

export type Note = { note: string; owner: string; createdAt: Date };

export type Alert = {
  readonly id: string;
  readonly tinyId: string;
  readonly alias: string;
  readonly message: string;
  readonly description: string;
  status: "open" | "closed";
  acknowledged: boolean;
  isSeen: boolean;
  readonly tags: string[];
  snoozed: boolean;
  /** Creations de-duplicated into this alert by its alias, the first included. */
  count: number;
  lastOccurredAt: Date;
  readonly createdAt: Date;
  updatedAt: Date;
  readonly source: string;
  owner: string;
  readonly priority: Priority;
  readonly responders: Responder[];
  readonly visibleTo: Responder[];
  readonly actions: string[];
  readonly details: Record<string, string>;
  readonly entity: string;
  readonly integration: Integration;
  readonly report: {
    ackTime?: number;
    closeTime?: number;
    acknowledgedBy?: string;
    closedBy?: string;
  };
  readonly notes: Note[];
};

export type NewAlert = {
  message: string;
  alias?: string;
  description?: string;
  responders?: Responder[];
  visibleTo?: Responder[];
  actions?: string[];
  tags?: string[];
  details?: Record<string, string>;
  entity?: string;
  source?: string;
  priority?: Priority;
  user?: string;
  note?: string;
};

export type WebhookAction = "Create" | "Acknowledge" | "Close" | "AddNote";

/** Who acted: an API caller (its `user` field, else "System") or a person on the web or app. */
export type Actor = { username: string; userId?: string; sourceName: string; sourceType: "API" | "web" };

/** A change Opsgenie announces to its webhook integration. */
export type WorldEvent = { action: WebhookAction; alert: Alert; actor: Actor; note?: string };

export type WorldListener = (event: WorldEvent) => void;

/** Opsgenie as the emulator knows it: users, teams and alerts. */
export class World {
  private readonly userList: SeedUser[];
  readonly teams: readonly SeedTeam[];
  private readonly alertList: Alert[] = [];
  private readonly listeners = new Set<WorldListener>();
  private nextTinyId = 1;

  constructor(
    seed: SeedData,
    private readonly now: () => number,
  ) {
    this.userList = seed.users.map((user) => ({ ...user }));
    this.teams = seed.teams.map((team) => ({ ...team }));
  }

  onEvent(listener: WorldListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get users(): readonly SeedUser[] {
    return this.userList;
  }

  user(idOrUsername: string): SeedUser | undefined {
    const wanted = idOrUsername.toLowerCase();
    return this.userList.find((user) => user.id === idOrUsername || user.username.toLowerCase() === wanted);
  }

  /** Every alert, oldest first. */
  get alerts(): readonly Alert[] {
    return this.alertList;
  }

  /** An alert by id, tiny id or alias (the open one with the alias if any, else the latest). */
  find(identifier: string, type: "id" | "alias" | "tiny"): Alert | undefined {
    if (type === "id") return this.alertList.find((alert) => alert.id === identifier);
    if (type === "tiny") return this.alertList.find((alert) => alert.tinyId === identifier);
    const withAlias = this.alertList.filter((alert) => alert.alias === identifier);
    return withAlias.find((alert) => alert.status === "open") ?? withAlias.at(-1);
  }

  /** An alert by id, else by alias: what a test usually holds. */
  alert(idOrAlias: string): Alert | undefined {
    return this.find(idOrAlias, "id") ?? this.find(idOrAlias, "alias");
  }

  /**
   * Creates an alert, or de-duplicates into the open alert with the same alias as Opsgenie does:
   * its count goes up and no new alert (nor webhook) appears.
   */
  create(input: NewAlert, integration: Integration, actor: Actor): { alert: Alert; deduplicated: boolean } {
    const at = this.date();
    const open = input.alias
      ? this.alertList.find((alert) => alert.alias === input.alias && alert.status === "open")
      : undefined;
    if (open) {
      open.count += 1;
      open.lastOccurredAt = at;
      open.updatedAt = at;
      return { alert: open, deduplicated: true };
    }
    const id = randomUUID();
    const alert: Alert = {
      id,
      tinyId: String(this.nextTinyId++),
      // Opsgenie gives an alert without an alias its id as alias.
      alias: input.alias ?? id,
      message: input.message,
      description: input.description ?? "",
      status: "open",
      acknowledged: false,
      isSeen: false,
      tags: [...(input.tags ?? [])],
      snoozed: false,
      count: 1,
      lastOccurredAt: at,
      createdAt: at,
      updatedAt: at,
      source: input.source ?? actor.sourceName,
      owner: "",
      priority: input.priority ?? "P3",
      responders: [...(input.responders ?? [])],
      visibleTo: [...(input.visibleTo ?? [])],
      actions: [...(input.actions ?? [])],
      details: { ...input.details },
      entity: input.entity ?? "",
      integration,
      report: {},
      notes: input.note ? [{ note: input.note, owner: actor.username, createdAt: at }] : [],
    };
    this.alertList.push(alert);
    this.emit({ action: "Create", alert, actor });
    return { alert, deduplicated: false };
  }

  /** Acknowledging an acknowledged or closed alert changes nothing and announces nothing. */
  acknowledge(alert: Alert, actor: Actor): boolean {
    if (alert.acknowledged || alert.status === "closed") return false;
    const at = this.date();
    alert.acknowledged = true;
    alert.isSeen = true;
    alert.owner = actor.username;
    alert.updatedAt = at;
    alert.report.ackTime = at.getTime() - alert.createdAt.getTime();
    alert.report.acknowledgedBy = actor.username;
    this.emit({ action: "Acknowledge", alert, actor });
    return true;
  }

  /** Closing a closed alert changes nothing and announces nothing. */
  close(alert: Alert, actor: Actor): boolean {
    if (alert.status === "closed") return false;
    const at = this.date();
    alert.status = "closed";
    alert.updatedAt = at;
    alert.report.closeTime = at.getTime() - alert.createdAt.getTime();
    alert.report.closedBy = actor.username;
    this.emit({ action: "Close", alert, actor });
    return true;
  }

  addNote(alert: Alert, note: string, actor: Actor): void {
    const at = this.date();
    alert.notes.push({ note, owner: actor.username, createdAt: at });
    alert.updatedAt = at;
    this.emit({ action: "AddNote", alert, actor, note });
  }

  private emit(event: WorldEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private date(): Date {
    return new Date(this.now());
  }
}
