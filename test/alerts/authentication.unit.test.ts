import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type AlertAuthentication,
  type AlertSourceSecrets,
  authenticateAlertRequest,
} from "../../src/capabilities/alerts/authentication.ts";
import type { AlertSource } from "../../src/capabilities/alerts/sources/index.ts";

const secrets: AlertSourceSecrets = {
  alertmanagerToken: "am-token-7f3c2a",
  grafanaToken: "grafana-token-91bd04",
  genericToken: "generic-token-5e8a11",
  genericHmacSecret: "generic-hmac-secret-c0ffee",
};

// The bytes as they came over the wire: the HMAC covers these, not a re-serialized JSON.
const body = readFileSync(new URL("./fixtures/generic-batch.json", import.meta.url));

function signed(payload: Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`;
}

function failure(result: AlertAuthentication): { status: number; message: string } {
  if (result === "ok") throw new Error("expected the request to be refused");
  return result;
}

describe("bearer tokens (Alertmanager, Grafana, generic)", () => {
  it.each<[AlertSource, string]>([
    ["alertmanager", secrets.alertmanagerToken!],
    ["grafana", secrets.grafanaToken!],
    ["generic", secrets.genericToken!],
  ])("%s: accepts its own token, whatever the scheme's case", (source, token) => {
    expect(authenticateAlertRequest(source, { authorization: `Bearer ${token}` }, body, secrets)).toBe("ok");
    expect(authenticateAlertRequest(source, { authorization: `bearer ${token}` }, body, secrets)).toBe("ok");
    expect(authenticateAlertRequest(source, { authorization: `BEARER  ${token}` }, body, secrets)).toBe("ok");
  });

  it("refuses another source's token: each source has its own secret", () => {
    const result = failure(
      authenticateAlertRequest("alertmanager", { authorization: `Bearer ${secrets.grafanaToken}` }, body, secrets),
    );
    expect(result).toEqual({
      status: 401,
      message:
        "the bearer token does not match ALERTS_ALERTMANAGER_TOKEN; set http_config.authorization.credentials in the webhook receiver",
    });
  });

  it("refuses a token that is a prefix, an extension or a case variant of the right one", () => {
    const token = secrets.grafanaToken!;
    for (const wrong of [token.slice(0, -1), `${token}x`, token.toUpperCase(), `${token} extra`]) {
      expect(failure(authenticateAlertRequest("grafana", { authorization: `Bearer ${wrong}` }, body, secrets)).status).toBe(401);
    }
  });

  it("asks for the token when none is sent, or when another scheme is", () => {
    for (const headers of [{}, { authorization: `Basic ${Buffer.from(`user:${secrets.grafanaToken}`).toString("base64")}` }, { authorization: secrets.grafanaToken! }]) {
      expect(failure(authenticateAlertRequest("grafana", headers, body, secrets))).toEqual({
        status: 401,
        message: "credentials are required: Authorization: Bearer <ALERTS_GRAFANA_TOKEN>",
      });
    }
  });

  it("trusts no header that came twice", () => {
    const token = secrets.alertmanagerToken!;
    const result = authenticateAlertRequest("alertmanager", { authorization: [`Bearer ${token}`, `Bearer ${token}`] }, body, secrets);
    expect(failure(result).status).toBe(401);
  });

  it("refuses a signature on the sources that only take tokens", () => {
    const result = authenticateAlertRequest(
      "alertmanager",
      { "x-signature-256": signed(body, secrets.genericHmacSecret!) },
      body,
      secrets,
    );
    expect(failure(result)).toEqual({
      status: 401,
      message: "X-Signature-256 is not enabled for alertmanager; send Authorization: Bearer <ALERTS_ALERTMANAGER_TOKEN>",
    });
  });

  it("never puts a secret or what was sent in its messages", () => {
    const sent = "attacker-supplied-token";
    const messages = (["alertmanager", "grafana", "generic"] as const).map(
      (source) => failure(authenticateAlertRequest(source, { authorization: `Bearer ${sent}` }, body, secrets)).message,
    );
    for (const message of messages) {
      expect(message).not.toContain(sent);
      for (const secret of Object.values(secrets)) expect(message).not.toContain(secret);
    }
  });
});

describe("the generic source's HMAC signature", () => {
  const hmacOnly: AlertSourceSecrets = { genericHmacSecret: secrets.genericHmacSecret };

  it("accepts the HMAC-SHA256 of the raw body, in either hex case", () => {
    const signature = signed(body, secrets.genericHmacSecret!);
    expect(authenticateAlertRequest("generic", { "x-signature-256": signature }, body, hmacOnly)).toBe("ok");
    expect(authenticateAlertRequest("generic", { "x-signature-256": `sha256=${signature.slice(7).toUpperCase()}` }, body, hmacOnly)).toBe("ok");
  });

  it("refuses the signature of another body: one changed byte is enough", () => {
    const signature = signed(body, secrets.genericHmacSecret!);
    const tampered = Buffer.from(body.toString("utf8").replace('"firing"', '"resolved"'));
    expect(tampered.equals(body)).toBe(false);
    expect(failure(authenticateAlertRequest("generic", { "x-signature-256": signature }, tampered, hmacOnly))).toEqual({
      status: 401,
      message:
        "the X-Signature-256 header does not match; send sha256=<hex HMAC-SHA256 of the raw request body>, keyed with ALERTS_GENERIC_HMAC_SECRET",
    });
  });

  it("refuses a signature made with another secret, without its prefix, or not in hex", () => {
    const right = signed(body, secrets.genericHmacSecret!);
    for (const header of [signed(body, "another-secret"), right.slice("sha256=".length), `sha1=${right.slice(7)}`, "sha256=zz", `${right}00`]) {
      expect(failure(authenticateAlertRequest("generic", { "x-signature-256": header }, body, hmacOnly)).status).toBe(401);
    }
  });

  it("says bearer tokens are off when only the HMAC secret is set", () => {
    const result = authenticateAlertRequest("generic", { authorization: `Bearer ${secrets.genericToken}` }, body, hmacOnly);
    expect(failure(result)).toEqual({
      status: 401,
      message:
        "bearer tokens are not enabled for generic (ALERTS_GENERIC_TOKEN is not set); sign the body instead: X-Signature-256: sha256=<hex HMAC-SHA256 keyed with ALERTS_GENERIC_HMAC_SECRET>",
    });
  });

  it("accepts either credential when both are set, and names both when neither is sent", () => {
    expect(authenticateAlertRequest("generic", { authorization: `Bearer ${secrets.genericToken}` }, body, secrets)).toBe("ok");
    expect(authenticateAlertRequest("generic", { "x-signature-256": signed(body, secrets.genericHmacSecret!) }, body, secrets)).toBe("ok");
    // A wrong signature does not spoil a right token.
    expect(
      authenticateAlertRequest("generic", { authorization: `Bearer ${secrets.genericToken}`, "x-signature-256": "sha256=00" }, body, secrets),
    ).toBe("ok");
    expect(failure(authenticateAlertRequest("generic", {}, body, secrets))).toEqual({
      status: 401,
      message:
        "credentials are required: Authorization: Bearer <ALERTS_GENERIC_TOKEN>, or X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with ALERTS_GENERIC_HMAC_SECRET>",
    });
  });
});

describe("a source with no secret configured", () => {
  it.each<[AlertSource, string]>([
    ["alertmanager", "ALERTS_ALERTMANAGER_TOKEN"],
    ["grafana", "ALERTS_GRAFANA_TOKEN"],
    ["generic", "ALERTS_GENERIC_TOKEN or ALERTS_GENERIC_HMAC_SECRET"],
  ])("%s is disabled: 404, naming the setting that enables it", (source, settings) => {
    expect(authenticateAlertRequest(source, { authorization: "Bearer anything" }, body, {})).toEqual({
      status: 404,
      message: `alerts from ${source} are not enabled; set ${settings} to enable them`,
    });
  });

  it("counts an empty or blank secret as none, so an empty token cannot open the door", () => {
    const blank: AlertSourceSecrets = { alertmanagerToken: "", grafanaToken: "   ", genericToken: "", genericHmacSecret: " " };
    expect(failure(authenticateAlertRequest("alertmanager", { authorization: "Bearer " }, body, blank)).status).toBe(404);
    expect(failure(authenticateAlertRequest("grafana", { authorization: "Bearer    " }, body, blank)).status).toBe(404);
    const emptySignature = `sha256=${createHmac("sha256", "").update(body).digest("hex")}`;
    expect(failure(authenticateAlertRequest("generic", { "x-signature-256": emptySignature }, body, blank)).status).toBe(404);
  });

  it("leaves the other sources enabled", () => {
    const onlyGrafana: AlertSourceSecrets = { grafanaToken: secrets.grafanaToken };
    expect(authenticateAlertRequest("grafana", { authorization: `Bearer ${secrets.grafanaToken}` }, body, onlyGrafana)).toBe("ok");
    expect(failure(authenticateAlertRequest("alertmanager", { authorization: `Bearer ${secrets.grafanaToken}` }, body, onlyGrafana)).status).toBe(404);
  });
});
