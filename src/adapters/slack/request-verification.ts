import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import {
  BodyTooLargeError,
  type HttpRoutes,
  RequestAbortedError,
  readBody,
  refuseTooLarge,
} from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";
import { checkSlackEnvelope } from "./envelope.ts";

/**
 * POST /slack/events in HTTP mode. Before Bolt sees a request, this route
 * reads its body (with a size cap), checks the `v0` signature, refuses a
 * timestamp more than 5 minutes away in either direction (Bolt checks only
 * the past, so a request signed for the future would stay replayable for as
 * long as its timestamp says), and refuses a signature it has already seen.
 *
 * Why a route in front of Bolt rather than Bolt's receiver options: the
 * replay check needs the database and an answer of its own (200, empty), and
 * `customPropertiesExtractor` is synchronous and cannot answer; the body read
 * here is handed on as `rawBody`, which Bolt's HTTPModuleFunctions
 * (`bufferIncomingMessage`) uses instead of reading the stream again. Bolt
 * still verifies the signature itself: that costs one HMAC and keeps it safe
 * should this route ever be bypassed.
 *
 * Replays are answered 200 with an empty body, the acknowledgement Slack
 * expects, so a replayer learns nothing and Slack does not retry. The seen
 * signatures live in PostgreSQL (`slack_requests_seen`), so a request replayed
 * to another replica is refused too.
 */

export const slackEventsPath = "/slack/events";

/** Slack's documented window, applied in both directions. */
export const timestampToleranceSeconds = 5 * 60;

// A signature is accepted from 5 minutes before its timestamp to 5 minutes
// after, so it must be remembered at least 10 minutes from first sight; the
// rest is margin for clock skew between replicas and the database.
const seenRetention = "15 minutes";
const pruneEveryMs = 60_000;

export type VerificationFailure =
  | "missing headers"
  | "timestamp not a number"
  | "timestamp too old"
  | "timestamp in the future"
  | "signature mismatch";

/** Checks a Slack request's signature and timestamp; undefined when it is genuine. */
export function checkSlackSignature(options: {
  signingSecret: string;
  body: Buffer;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  nowMs: number;
}): VerificationFailure | undefined {
  const { timestampHeader, signatureHeader } = options;
  if (!timestampHeader || !signatureHeader) return "missing headers";
  if (!/^\d{1,12}$/.test(timestampHeader)) return "timestamp not a number";
  const timestamp = Number(timestampHeader);
  const nowSeconds = Math.floor(options.nowMs / 1000);
  if (timestamp < nowSeconds - timestampToleranceSeconds) return "timestamp too old";
  if (timestamp > nowSeconds + timestampToleranceSeconds) return "timestamp in the future";
  const expected = Buffer.from(
    `v0=${createHmac("sha256", options.signingSecret)
      .update(`v0:${timestampHeader}:`)
      .update(options.body)
      .digest("hex")}`,
  );
  const given = Buffer.from(signatureHeader);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "signature mismatch";
  return undefined;
}

export function slackEventsRoute(options: {
  signingSecret: string;
  prisma: PrismaClient;
  /** Bolt's HTTPReceiver.requestListener. */
  bolt: RequestListener;
  log: Logger;
  maxBodyBytes: number;
  /**
   * Wall-clock milliseconds. Deliberately not the app's Clock: Slack signs
   * with real time, and tests that move a test clock must not make every
   * request look stale.
   */
  now?: () => number;
}): HttpRoutes {
  const now = options.now ?? Date.now;
  const { prisma, log } = options;
  let lastPruneMs = Number.NEGATIVE_INFINITY;

  const pruneOccasionally = async () => {
    if (now() - lastPruneMs < pruneEveryMs) return;
    lastPruneMs = now();
    try {
      await prisma.$executeRawUnsafe(
        `DELETE FROM slack_requests_seen WHERE received_at < now() - interval '${seenRetention}'`,
      );
    } catch (error) {
      log.warn({ err: error }, "pruning seen slack signatures failed; retrying later");
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = response.getHeader("x-request-id");
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        log.warn({ requestId, limit: error.limit }, "slack request refused: body too large");
        refuseTooLarge(response);
        return;
      }
      // The client went away (or timed out): nobody is left to answer.
      if (error instanceof RequestAbortedError) return;
      throw error;
    }
    if (isSslCheck(request, body)) {
      // Slack's unsigned TLS probe; it carries nothing to act on.
      answerEmpty(response, 200);
      return;
    }
    const signature = header(request, "x-slack-signature");
    const failure = checkSlackSignature({
      signingSecret: options.signingSecret,
      body,
      timestampHeader: header(request, "x-slack-request-timestamp"),
      signatureHeader: signature,
      nowMs: now(),
    });
    if (failure) {
      log.warn({ requestId, reason: failure }, "slack request refused");
      answerEmpty(response, 401);
      return;
    }
    const envelope = checkSlackEnvelope(header(request, "content-type"), body);
    if (!envelope.ok) {
      // Signed, yet not a shape Slack sends: Bolt would throw reading it.
      log.warn({ requestId, reason: envelope.reason }, "slack request refused: malformed envelope");
      answerEmpty(response, 400);
      return;
    }
    const inserted = await prisma.$executeRaw`
      INSERT INTO slack_requests_seen (signature, received_at) VALUES (${signature}, now())
      ON CONFLICT (signature) DO NOTHING`;
    if (inserted === 0) {
      log.warn({ requestId }, "replayed slack request ignored");
      answerEmpty(response, 200);
      return;
    }
    // Before Bolt, not after: once a minute per replica, one indexed DELETE.
    await pruneOccasionally();
    Object.assign(request, { rawBody: body });
    options.bolt(request, response);
  };

  return { [`POST ${slackEventsPath}`]: handle };
}

function isSslCheck(request: IncomingMessage, body: Buffer): boolean {
  if (request.headers["content-type"] !== "application/x-www-form-urlencoded") return false;
  return new URLSearchParams(body.toString("utf8")).get("ssl_check") === "1";
}

function answerEmpty(response: ServerResponse, status: number): void {
  response.writeHead(status, { "content-length": 0 });
  response.end();
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
