/**
 * A stand-in for PagerDuty's Events API v2 and webhooks v3 on loopback, for tests and
 * `npm run demo`.
 *
 *   const pagerduty = await startPagerDutyEmulator({
 *     subscriptions: [{ url: "http://127.0.0.1:3000/pagerduty/webhook", secret: "s3cret" }],
 *   });
 *   await fetch(pagerduty.eventsUrl, { method: "POST", body: JSON.stringify({
 *     routing_key: pagerduty.world.services[0].integrationKey, event_action: "trigger",
 *     dedup_key: "incident-42:ic", payload: { summary, source, severity: "critical" } }) });
 *   await pagerduty.acknowledge("incident-42:ic", { by: "PALICE1" }); // a person in the app
 *
 * `pagerduty.world` holds services (each with a 32-character integration key and an on-call
 * user), users and incidents; events open, de-duplicate, acknowledge and resolve incidents as
 * PagerDuty does. Every request is recorded in `pagerduty.calls`; `pagerduty.faults` injects
 * outages (5xx), 429 with Retry-After, delays, resets and `drop_response` (applied, then
 * unanswered), scoped by `event_action` and by a window on the emulator's clock. Changes go to
 * every webhook subscription, signed with `X-PagerDuty-Signature`, and failed deliveries are
 * retried by `defaultRetryPolicy`.
 */
export {
  type EventAction,
  type EventPayload,
  eventActions,
  type Severity,
  severities,
  type ValidEvent,
} from "./events.ts";
export {
  type FaultEffect,
  FaultInjector,
  type FaultKind,
  type FaultScope,
  type FaultSpec,
  type InjectedFault,
} from "./faults.ts";
export {
  defaultRetryPolicy,
  type HumanActionOptions,
  type HumanActionResult,
  type PagerDutyEmulator,
  type PagerDutyEmulatorOptions,
  type RecordedCall,
  startPagerDutyEmulator,
} from "./server.ts";
export {
  incidentEventTypes,
  signatureHeader,
  type Subscription,
  type SubscriptionConfig,
  userAgent,
  type WebhookDelivery,
  WebhookSender,
} from "./webhooks.ts";
export {
  type Agent,
  type Alert,
  defaultSeed,
  type Incident,
  type IncidentEventType,
  integrationKeyFor,
  type LogEntry,
  type SeedData,
  type SeedService,
  type SeedUser,
  type Service,
  type Urgency,
  type User,
  World,
} from "./world.ts";
export type { DeliveryAttempt, RetryPolicy } from "../shared/outgoing-webhooks.ts";
