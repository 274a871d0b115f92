import type { AlertSourceSecrets as ConfiguredAlertSecrets } from "../../core/config/env.ts";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { AlertSource } from "./sources/types.ts";

/**
 * Who may post alerts: each source's secret, from the environment.
 *
 * - Alertmanager and Grafana send `Authorization: Bearer <token>`
 *   (Alertmanager: `http_config.authorization.credentials`; Grafana's webhook
 *   contact point: "Authorization Header - Credentials", scheme Bearer).
 * - Generic senders send the same bearer token, or sign the raw body:
 *   `X-Signature-256: sha256=<hex HMAC-SHA256 of the body>` with
 *   ALERTS_GENERIC_HMAC_SECRET. When both secrets are set, either is accepted.
 *
 * A source with no secret configured is disabled and answers 404, not 401:
 * no credential could make the request succeed, so inviting the sender to
 * retry with one (what 401 means) would mislead, and a deployment that never
 * turned a source on does not advertise it. The message still names the
 * setting that turns it on, for the operator reading the sender's log; the
 * setting's name is no secret (it is in the docs).
 *
 * Comparisons are constant-time. Bearer tokens are compared as SHA-256
 * digests so that the lengths match whatever the caller sent. There is no
 * replay window on the HMAC: a replayed alert is the same alert again, which
 * the intake groups by fingerprint instead of opening a second incident.
 */
export type AlertSourceSecrets = Partial<ConfiguredAlertSecrets>;

/** The environment variable behind each setting, for messages and docs. */
export const alertSecretSettings = {
  alertmanagerToken: "ALERTS_ALERTMANAGER_TOKEN",
  grafanaToken: "ALERTS_GRAFANA_TOKEN",
  genericToken: "ALERTS_GENERIC_TOKEN",
  genericHmacSecret: "ALERTS_GENERIC_HMAC_SECRET",
} as const satisfies Record<keyof AlertSourceSecrets, string>;

export const signatureHeader = "x-signature-256";

export type AlertAuthentication = "ok" | { status: 401 | 404; message: string };

/** Node's IncomingHttpHeaders: names in lower case; a repeated header may arrive as an array. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

const tokenSetting = {
  alertmanager: "alertmanagerToken",
  grafana: "grafanaToken",
  generic: "genericToken",
} as const satisfies Record<AlertSource, keyof AlertSourceSecrets>;

const senderHints: Record<AlertSource, string> = {
  alertmanager: "set http_config.authorization.credentials in the webhook receiver",
  grafana: 'set the webhook contact point\'s "Authorization Header - Credentials" (scheme Bearer)',
  generic: "send Authorization: Bearer <token>",
};

export function authenticateAlertRequest(
  source: AlertSource,
  headers: RequestHeaders,
  rawBody: Buffer,
  secrets: AlertSourceSecrets,
): AlertAuthentication {
  const token = configured(secrets[tokenSetting[source]]);
  const hmacSecret = source === "generic" ? configured(secrets.genericHmacSecret) : undefined;
  if (token === undefined && hmacSecret === undefined) {
    const settings =
      source === "generic"
        ? `${alertSecretSettings.genericToken} or ${alertSecretSettings.genericHmacSecret}`
        : alertSecretSettings[tokenSetting[source]];
    return { status: 404, message: `alerts from ${source} are not enabled; set ${settings} to enable them` };
  }

  const givenToken = bearerToken(singleHeader(headers.authorization));
  const givenSignature = singleHeader(headers[signatureHeader]);
  if (token !== undefined && givenToken !== undefined && tokensMatch(givenToken, token)) return "ok";
  if (hmacSecret !== undefined && givenSignature !== undefined && signatureMatches(givenSignature, rawBody, hmacSecret)) {
    return "ok";
  }

  const tokenSettingName = alertSecretSettings[tokenSetting[source]];
  const hmacSettingName = alertSecretSettings.genericHmacSecret;
  if (givenSignature !== undefined && hmacSecret !== undefined) {
    return {
      status: 401,
      message: `the X-Signature-256 header does not match; send sha256=<hex HMAC-SHA256 of the raw request body>, keyed with ${hmacSettingName}`,
    };
  }
  if (givenToken !== undefined && token !== undefined) {
    return { status: 401, message: `the bearer token does not match ${tokenSettingName}; ${senderHints[source]}` };
  }
  if (givenToken !== undefined) {
    return {
      status: 401,
      message: `bearer tokens are not enabled for ${source} (${tokenSettingName} is not set); sign the body instead: X-Signature-256: sha256=<hex HMAC-SHA256 keyed with ${hmacSettingName}>`,
    };
  }
  if (givenSignature !== undefined) {
    return {
      status: 401,
      message: `X-Signature-256 is not enabled for ${source}; send Authorization: Bearer <${tokenSettingName}>`,
    };
  }
  const wanted = [
    token !== undefined ? `Authorization: Bearer <${tokenSettingName}>` : undefined,
    hmacSecret !== undefined ? `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with ${hmacSettingName}>` : undefined,
  ].filter((text) => text !== undefined);
  return { status: 401, message: `credentials are required: ${wanted.join(", or ")}` };
}

function configured(secret: string | undefined): string | undefined {
  const trimmed = secret?.trim();
  return trimmed ? trimmed : undefined;
}

// A header sent twice is ambiguous about which value is meant: neither is trusted.
function singleHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

// The scheme is case-insensitive (RFC 9110, section 11.1).
function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function signatureMatches(header: string, rawBody: Buffer, secret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!.toLowerCase(), "utf8");
  const expected = Buffer.from(createHmac("sha256", secret).update(rawBody).digest("hex"), "utf8");
  return timingSafeEqual(given, expected);
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
