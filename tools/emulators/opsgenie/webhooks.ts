import { randomUUID } from "node:crypto";
import {
  type DeliveryAttempt,
  type RetryPolicy,
  WebhookDispatcher,
} from "../shared/outgoing-webhooks.ts";
import type { Alert, WebhookAction, WorldEvent } from "./world.ts";

/**
 * Opsgenie's outgoing "Webhook" integration. It does not sign requests; it sends the custom
 * headers configured on the integration, which is how a receiver authenticates it.
 * https://support.atlassian.com/opsgenie/docs/integrate-opsgenie-with-outgoing-webhooks/
 */

export type WebhookConfig = {
  /** Where deliveries are POSTed, e.g. the bot's `http://127.0.0.1:PORT/opsgenie/webhook`. */
  url: string;
  /** Custom headers sent with every delivery, e.g. `{ authorization: "Bearer …" }`. */
  headers?: Record<string, string>;
  /** The integration's name in the payload; "Webhook" by default. */
  name?: string;
};

export type WebhookIntegration = Readonly<WebhookConfig> & { readonly id: string };

export type WebhookDelivery = {
  /** The emulator's own id for the delivery (Opsgenie sends none), kept across retries. */
  id: string;
  integrationId: string;
  action: WebhookAction;
  alertId: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  payload: Record<string, unknown>;
  at: Date;
  attempts: DeliveryAttempt[];
  status: number;
  delivered: boolean;
};

/** Opsgenie truncates description and details values to 1000 characters in webhook data. */
const maxWebhookFieldLength = 1000;

export class WebhookSender {
  private readonly integrationList: WebhookIntegration[] = [];
  private readonly recorded: WebhookDelivery[] = [];
  private readonly dispatcher: WebhookDispatcher;
  private closed = false;

  constructor(
    private readonly now: () => number,
    policy: RetryPolicy,
  ) {
    this.dispatcher = new WebhookDispatcher(now, policy);
  }

  add(config: WebhookConfig): WebhookIntegration {
    if (!URL.canParse(config.url)) throw new TypeError(`Webhook URL ${config.url} is not a URL`);
    const integration: WebhookIntegration = { ...config, id: randomUUID() };
    this.integrationList.push(integration);
    return integration;
  }

  remove(id: string): void {
    const index = this.integrationList.findIndex((integration) => integration.id === id);
    if (index >= 0) this.integrationList.splice(index, 1);
  }

  get integrations(): readonly WebhookIntegration[] {
    return this.integrationList;
  }

  get deliveries(): readonly WebhookDelivery[] {
    return this.recorded;
  }

  deliveriesFor(action: WebhookAction): WebhookDelivery[] {
    return this.recorded.filter((delivery) => delivery.action === action);
  }

  resetDeliveries(): void {
    this.recorded.length = 0;
  }

  idle(): Promise<void> {
    return this.dispatcher.idle();
  }

  close(): void {
    this.closed = true;
    this.dispatcher.close();
  }

  send(event: WorldEvent): Promise<WebhookDelivery>[] {
    if (this.closed) return [];
    return this.integrationList.map((integration) => {
      // Rendered now: the payload shows the alert as it was when the change happened.
      const payload = renderPayload(event, integration);
      return this.deliver(integration, event, payload);
    });
  }

  private async deliver(
    integration: WebhookIntegration,
    event: WorldEvent,
    payload: Record<string, unknown>,
  ): Promise<WebhookDelivery> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      ...integration.headers,
      "content-type": "application/json; charset=UTF-8",
      "user-agent": "Opsgenie-Webhook",
    };
    const at = new Date(this.now());
    const outcome = await this.dispatcher.dispatch({ url: integration.url, headers, body });
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      integrationId: integration.id,
      action: event.action,
      alertId: event.alert.id,
      url: integration.url,
      headers,
      body,
      payload,
      at,
      ...outcome,
    };
    this.recorded.push(delivery);
    return delivery;
  }
}

function renderPayload(event: WorldEvent, integration: WebhookIntegration): Record<string, unknown> {
  const { alert, actor } = event;
  // Description and details travel only with Create, as Opsgenie sends them.
  const withContent = event.action === "Create";
  return {
    action: event.action,
    alert: {
      ...renderAlert(alert, withContent),
      username: actor.username,
      ...(actor.userId ? { userId: actor.userId } : {}),
      ...(event.note !== undefined ? { note: event.note } : {}),
    },
    source: { name: actor.sourceName, type: actor.sourceType },
    integrationName: integration.name ?? "Webhook",
    integrationId: integration.id,
    integrationType: "Webhook",
  };
}

function renderAlert(alert: Alert, withContent: boolean): Record<string, unknown> {
  const teams = alert.responders.filter((responder) => responder.type === "team");
  return {
    alertId: alert.id,
    message: alert.message,
    tags: [...alert.tags],
    tinyId: alert.tinyId,
    entity: alert.entity,
    alias: alert.alias,
    createdAt: alert.createdAt.getTime(),
    // Opsgenie's webhook gives updatedAt in nanoseconds.
    updatedAt: alert.updatedAt.getTime() * 1_000_000,
    ...(withContent
      ? {
          description: alert.description.slice(0, maxWebhookFieldLength),
          details: Object.fromEntries(
            Object.entries(alert.details).map(([key, value]) => [key, value.slice(0, maxWebhookFieldLength)]),
          ),
        }
      : {}),
    team: teams[0]?.name ?? teams[0]?.id ?? "",
    teams: teams.map((team) => team.id ?? team.name),
    responders: alert.responders.map((responder) => ({ ...responder })),
    actions: [...alert.actions],
    source: alert.source,
    priority: alert.priority,
    acknowledged: alert.acknowledged,
    status: alert.status,
  };
}
