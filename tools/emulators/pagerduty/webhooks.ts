import { createHmac, randomUUID } from "node:crypto";
import {
  type DeliveryAttempt,
  type RetryPolicy,
  WebhookDispatcher,
} from "../shared/outgoing-webhooks.ts";
import {
  type Agent,
  type IncidentEventType,
  pagerDutyId,
  type Service,
  type User,
  type WorldEvent,
} from "./world.ts";

/**
 * Webhooks v3: subscriptions, the `{event: …}` payload and its `X-PagerDuty-Signature`.
 * https://developer.pagerduty.com/docs/webhooks-overview
 */

export const incidentEventTypes: readonly IncidentEventType[] = [
  "incident.triggered",
  "incident.acknowledged",
  "incident.resolved",
];

export type SubscriptionConfig = {
  /** Where deliveries are POSTed, e.g. the bot's `http://127.0.0.1:PORT/pagerduty/webhook`. */
  url: string;
  /**
   * Signs every delivery. Several secrets (during a rotation) give several `v1=` signatures,
   * comma-separated, as PagerDuty sends them.
   */
  secret: string | readonly string[];
  /** The event types it receives; the three incident ones by default. */
  events?: readonly IncidentEventType[];
  /** Extra headers PagerDuty lets a subscription add. */
  customHeaders?: Record<string, string>;
};

export type Subscription = Readonly<SubscriptionConfig> & { readonly id: string };

export type WebhookDelivery = {
  /** `X-Webhook-Id`, one per delivery, kept across its retries. */
  id: string;
  subscriptionId: string;
  /** `event.id` in the payload. */
  eventId: string;
  eventType: IncidentEventType;
  incidentId: string;
  url: string;
  /** Exactly the headers sent. */
  headers: Record<string, string>;
  /** The raw body, byte for byte what was signed. */
  body: string;
  payload: { event: Record<string, unknown> };
  at: Date;
  /** Every attempt, the retries included. */
  attempts: DeliveryAttempt[];
  /** The last attempt's status; 0 when the receiver could not be reached. */
  status: number;
  delivered: boolean;
};

/** PagerDuty's own hosts, which the payload's `self` and `html_url` point at. */
export type PagerDutyUrls = { api: string; html: string };

export const userAgent = "PagerDuty-Webhook/V3.0";

/**
 * Delivers world events to every subscription that wants them. Failed deliveries are retried
 * following the retry policy (see `defaultRetryPolicy` in server.ts); deliveries to one emulator
 * go out one at a time, in the order of the changes.
 */
export class WebhookSender {
  private readonly subscriptionList: Subscription[] = [];
  private readonly recorded: WebhookDelivery[] = [];
  private readonly dispatcher: WebhookDispatcher;
  private closed = false;

  constructor(
    private readonly now: () => number,
    policy: RetryPolicy,
    private readonly urls: PagerDutyUrls,
  ) {
    this.dispatcher = new WebhookDispatcher(now, policy);
  }

  subscribe(config: SubscriptionConfig): Subscription {
    if (!URL.canParse(config.url)) throw new TypeError(`Webhook URL ${config.url} is not a URL`);
    const secrets = typeof config.secret === "string" ? [config.secret] : config.secret;
    if (secrets.length === 0 || secrets.some((secret) => secret === "")) {
      throw new RangeError("A PagerDuty webhook subscription needs a non-empty secret");
    }
    const unknown = (config.events ?? []).filter((type) => !incidentEventTypes.includes(type));
    if (unknown.length > 0) throw new RangeError(`Unknown event types ${unknown.join(", ")}`);
    const subscription: Subscription = { ...config, id: pagerDutyId("P", 6) };
    this.subscriptionList.push(subscription);
    return subscription;
  }

  unsubscribe(id: string): void {
    const index = this.subscriptionList.findIndex((subscription) => subscription.id === id);
    if (index >= 0) this.subscriptionList.splice(index, 1);
  }

  get subscriptions(): readonly Subscription[] {
    return this.subscriptionList;
  }

  get deliveries(): readonly WebhookDelivery[] {
    return this.recorded;
  }

  deliveriesFor(eventType: IncidentEventType): WebhookDelivery[] {
    return this.recorded.filter((delivery) => delivery.eventType === eventType);
  }

  resetDeliveries(): void {
    this.recorded.length = 0;
  }

  /** Resolves when every queued delivery has been answered or has used up its retries. */
  idle(): Promise<void> {
    return this.dispatcher.idle();
  }

  close(): void {
    this.closed = true;
    this.dispatcher.close();
  }

  /** Queues one delivery per subscription that wants the event; each is recorded when done. */
  send(event: WorldEvent): Promise<WebhookDelivery>[] {
    if (this.closed) return [];
    const wanted = this.subscriptionList.filter((subscription) =>
      (subscription.events ?? incidentEventTypes).includes(event.type),
    );
    if (wanted.length === 0) return [];
    // Rendered now: the payload shows the incident as it was when the change happened.
    const payload = { event: renderEvent(event, this.urls) };
    const body = JSON.stringify(payload);
    return wanted.map((subscription) => this.deliver(subscription, event, payload, body));
  }

  private async deliver(
    subscription: Subscription,
    event: WorldEvent,
    payload: { event: Record<string, unknown> },
    body: string,
  ): Promise<WebhookDelivery> {
    const id = randomUUID();
    const headers: Record<string, string> = {
      ...subscription.customHeaders,
      "content-type": "application/json",
      "user-agent": userAgent,
      "x-webhook-id": id,
      "x-webhook-subscription": subscription.id,
      "x-pagerduty-signature": signatureHeader(subscription.secret, body),
    };
    const at = new Date(this.now());
    const outcome = await this.dispatcher.dispatch({ url: subscription.url, headers, body });
    const delivery: WebhookDelivery = {
      id,
      subscriptionId: subscription.id,
      eventId: String(payload.event.id),
      eventType: event.type,
      incidentId: event.incident.id,
      url: subscription.url,
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

/** `v1=<hex HMAC-SHA256 of the body>` per secret, comma-separated. */
export function signatureHeader(secret: string | readonly string[], body: string): string {
  const secrets = typeof secret === "string" ? [secret] : secret;
  return secrets
    .map((key) => `v1=${createHmac("sha256", key).update(body).digest("hex")}`)
    .join(",");
}

function renderEvent(event: WorldEvent, urls: PagerDutyUrls): Record<string, unknown> {
  const { incident } = event;
  return {
    id: `01${pagerDutyId("", 24)}`,
    event_type: event.type,
    resource_type: "incident",
    occurred_at: event.at.toISOString(),
    agent: renderAgent(event.agent, urls),
    client: null,
    data: {
      id: incident.id,
      type: "incident",
      self: `${urls.api}/incidents/${incident.id}`,
      html_url: `${urls.html}/incidents/${incident.id}`,
      number: incident.number,
      status: incident.status,
      incident_key: incident.incidentKey,
      created_at: incident.createdAt.toISOString(),
      title: incident.title,
      service: renderService(incident.service, urls),
      assignees: incident.assignees.map((user) => renderUser(user, urls)),
      escalation_policy: {
        html_url: `${urls.html}/escalation_policies/${incident.service.escalationPolicy.id}`,
        id: incident.service.escalationPolicy.id,
        self: `${urls.api}/escalation_policies/${incident.service.escalationPolicy.id}`,
        summary: incident.service.escalationPolicy.name,
        type: "escalation_policy_reference",
      },
      teams: [],
      priority: null,
      urgency: incident.urgency,
      conference_bridge: null,
      resolve_reason: null,
    },
  };
}

/**
 * A person is a `user_reference`; a change made through the Events API names the service's
 * integration, as PagerDuty does, so a receiver can tell its own events from people's actions.
 */
function renderAgent(agent: Agent, urls: PagerDutyUrls): Record<string, unknown> {
  if (agent.kind === "user") return renderUser(agent.user, urls);
  const { service } = agent;
  return {
    html_url: `${urls.html}/services/${service.id}/integrations/${service.integrationId}`,
    id: service.integrationId,
    self: `${urls.api}/services/${service.id}/integrations/${service.integrationId}`,
    summary: "Events API v2",
    type: "events_api_v2_inbound_integration_reference",
  };
}

function renderUser(user: User, urls: PagerDutyUrls): Record<string, unknown> {
  return {
    html_url: `${urls.html}/users/${user.id}`,
    id: user.id,
    self: `${urls.api}/users/${user.id}`,
    summary: user.name,
    type: "user_reference",
  };
}

function renderService(service: Service, urls: PagerDutyUrls): Record<string, unknown> {
  return {
    html_url: `${urls.html}/services/${service.id}`,
    id: service.id,
    self: `${urls.api}/services/${service.id}`,
    summary: service.name,
    type: "service_reference",
  };
}
