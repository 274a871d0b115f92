/**
 * A stand-in for Opsgenie's Alert API and its outgoing Webhook integration on loopback, for tests
 * and `npm run demo`.
 *
 *   const opsgenie = await startOpsgenieEmulator({
 *     webhooks: [{ url: "http://127.0.0.1:3000/opsgenie/webhook",
 *                  headers: { authorization: "Bearer token" } }],
 *   });
 *   await fetch(`${opsgenie.apiUrl}/v2/alerts`, { method: "POST",
 *     headers: { authorization: `GenieKey ${opsgenie.apiKey}`, "content-type": "application/json" },
 *     body: JSON.stringify({ message: "SEV1: checkout down", alias: "incident-42:ic" }) });
 *   await opsgenie.acknowledge("incident-42:ic", { user: "alice@example.com" }); // a person
 *
 * `opsgenie.world` holds users, teams and alerts; creation de-duplicates by alias, acknowledge,
 * close and notes take `?identifierType=id|alias|tiny`, and every write answers 202 with a
 * requestId whose outcome `GET /v2/alerts/requests/{requestId}` reports (an unknown alert is a
 * failed request, not an error answer). Requests are applied at once, so the status is ready
 * when the 202 arrives. Every request is recorded in `opsgenie.calls`; `opsgenie.faults` injects
 * outages, 429s, delays, resets and `drop_response`, by route and clock window. Changes go to
 * every webhook integration with its custom headers (Opsgenie does not sign them), and failed
 * deliveries are retried by `defaultRetryPolicy`.
 */
export {
  type FaultEffect,
  FaultInjector,
  type FaultKind,
  type FaultScope,
  type FaultSpec,
  type InjectedFault,
} from "./faults.ts";
export {
  type ApiKey,
  defaultApiKey,
  defaultRetryPolicy,
  type HumanActionOptions,
  type HumanActionResult,
  type OpsgenieEmulator,
  type OpsgenieEmulatorOptions,
  type RecordedCall,
  type RequestStatus,
  routePatterns,
  startOpsgenieEmulator,
} from "./server.ts";
export {
  type WebhookConfig,
  type WebhookDelivery,
  type WebhookIntegration,
  WebhookSender,
} from "./webhooks.ts";
export {
  type Actor,
  type Alert,
  defaultSeed,
  type Integration,
  type NewAlert,
  type Note,
  type Priority,
  type Responder,
  type SeedData,
  type SeedTeam,
  type SeedUser,
  type WebhookAction,
  World,
} from "./world.ts";
export type { DeliveryAttempt, RetryPolicy } from "../shared/outgoing-webhooks.ts";
