import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubEmulator, startGitHubEmulator } from "../../tools/emulators/github/index.ts";
import {
  type ChildBot,
  childSigningSecret,
  isAlive,
  type RawAnswer,
  rawRequest,
  startChildBot,
  writeQuietly,
} from "../support/raw-http.ts";

/**
 * 2,000 hostile requests against the real `npm start` in a child process:
 * random methods, paths, headers, content types and bodies (none, random
 * bytes, ~3 MB of JSON, truncated forms, invalid UTF-8, oversized headers,
 * lying Content-Length), some of them correctly signed so they reach Bolt,
 * the listeners and the GitHub webhook's JSON handling. Afterwards the
 * process is alive and ready, and no 5xx appeared that the code did not
 * choose.
 *
 * Chosen 5xx: 503 from /readyz when a dependency is down, and 503 from
 * /github/webhook when GITHUB_WEBHOOK_SECRET is unset. Neither should happen
 * here (everything is up, the secret is set), so any 5xx fails the test,
 * including a 500 from Bolt for a correctly signed but malformed payload
 * (the envelope check in src/adapters/slack/envelope.ts answers those 400).
 *
 * The PRNG is seeded: HOSTILE_SEED=<n> replays a failing run, and
 * HOSTILE_DEBUG=1 prints the requests behind a 5xx or a dropped connection.
 */

const seed = Number(process.env.HOSTILE_SEED ?? 20261201);
const requestCount = 2_000;
const concurrency = 24;
const githubSecret = "hostile-github-secret";

let child: ChildBot;
let github: GitHubEmulator;

beforeAll(async () => {
  github = await startGitHubEmulator();
  child = await startChildBot("hostile", {
    // Short, so requests that lie about their length cost seconds, not half a minute.
    HTTP_HEADERS_TIMEOUT_SECONDS: "2",
    HTTP_REQUEST_TIMEOUT_SECONDS: "2",
    GITHUB_TOKEN: github.token,
    GITHUB_REPOSITORY: "acme/ops",
    GITHUB_API_URL: github.apiUrl,
    GITHUB_WEBHOOK_SECRET: githubSecret,
    // The alert and pager webhooks switched on, so the requests reach their authentication and body handling.
    ALERTS_ALERTMANAGER_TOKEN: "hostile-alertmanager-token",
    ALERTS_GENERIC_HMAC_SECRET: "hostile-generic-hmac",
    PAGERDUTY_WEBHOOK_SECRET: "hostile-pagerduty-secret",
    OPSGENIE_WEBHOOK_TOKEN: "hostile-opsgenie-token",
  });
});

afterAll(async () => {
  await child?.dispose();
  await github?.close();
});

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function createRandom(initial: number) {
  let state = initial >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    chance: (p: number) => next() < p,
    bytes: (length: number) => Buffer.from(Array.from({ length }, () => int(256))),
    text: (length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.~%/?&=+:;@!$'()*,[]{}") =>
      Array.from({ length }, () => alphabet[int(alphabet.length)]).join(""),
  };
}
type Random = ReturnType<typeof createRandom>;

const knownPaths = [
  "/slack/events",
  "/github/webhook",
  "/alerts/alertmanager",
  "/alerts/generic",
  "/pagers/pagerduty/webhook",
  "/pagers/opsgenie/webhook",
  "/healthz",
  "/readyz",
  "/status",
  "/api/v2/summary.json",
  "/history.atom",
] as const;
const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE", "PROPFIND", "BREW", "get", ""];
const contentTypes = [
  "application/json",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=utf-8",
  "text/plain",
  "multipart/form-data; boundary=----x",
  "application/json; charset=utf-16",
  "*/*",
  "",
  "\u00ff\u00fe",
];

interface Plan {
  method: string;
  path: string;
  head: string;
  body: Buffer;
  /** What the socket actually carries after the head (may differ from Content-Length). */
  sent: Buffer;
  trickle: boolean;
  /** Well-formed and correctly signed for Slack: it reaches Bolt. */
  signedForBolt?: boolean;
}

/**
 * Signed interaction payloads keep the envelope Slack always sends. Without
 * `team` and `user`, Bolt itself (buildSource, before any listener of ours)
 * throws and answers 500: Bolt's choice, reachable only by whoever holds the
 * signing secret, so it is left out here. Everything inside the envelope is
 * fair game.
 */
const slackEnvelope = {
  team: { id: "T0TEAM", domain: "example" },
  user: { id: "U0ALICE", username: "alice", team_id: "T0TEAM" },
  api_app_id: "A0BOT",
  token: "verification-token-unused",
};

function randomPath(random: Random): string {
  const base = random.chance(0.7)
    ? random.pick(knownPaths)
    : random.pick([
        "/",
        "/favicon.ico",
        "//slack/events",
        "/slack/events/",
        "/SLACK/EVENTS",
        "/status/../healthz",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/api/v2/summary.json%00",
        `/${random.text(random.int(40))}`,
        `/${"a".repeat(8_000)}`,
        "*",
        "http://evil.example/healthz",
        "/\u00e9\u00e8",
      ]);
  return random.chance(0.3) ? `${base}?${random.text(random.int(60))}` : base;
}

function randomBody(random: Random, path: string): { body: Buffer; contentType: string; signed: "slack" | "github" | "none" } {
  const contentType = random.pick(contentTypes);
  const signed = random.chance(0.5) ? (path.startsWith("/github") ? "github" : "slack") : "none";
  const kind = random.int(10);
  switch (kind) {
    case 0:
      return { body: Buffer.alloc(0), contentType, signed };
    case 1:
      return { body: random.bytes(random.int(20_000)), contentType, signed };
    case 2: {
      // ~3 MB of JSON: over the body cap, so it must be refused, not buffered.
      const big = JSON.stringify({ type: "event_callback", filler: "x".repeat(3 * 1024 * 1024) });
      return { body: Buffer.from(big), contentType: "application/json", signed };
    }
    case 3: {
      const form = `token=x&team_id=T0TEAM&command=%2Fincident&text=${encodeURIComponent(random.text(30))}&user_id=U0ALICE&channel_id=C0GENERAL&trigger_id=${random.int(1e9)}`;
      return { body: Buffer.from(form.slice(0, random.int(form.length))), contentType: "application/x-www-form-urlencoded", signed };
    }
    case 4: {
      const payload = `payload=${encodeURIComponent(
        JSON.stringify(
          { ...slackEnvelope, ...random.pick([
            { type: "block_actions", actions: [{ action_id: random.text(10), value: random.text(10) }] },
            { type: "block_actions", user: { id: "U0ALICE" }, actions: random.pick([[], null, "x", [{}]]) },
            { type: "view_submission", view: { callback_id: random.pick(["incident_declare", "incident_update", "x"]), state: random.pick([{}, null, { values: { title: null } }]) } },
            { type: "shortcut", callback_id: random.text(8) },
            { type: "message_action", callback_id: random.text(8), message: null },
            { type: random.text(6) },
          ]) },
        ).slice(0, random.chance(0.3) ? random.int(80) : undefined),
      )}`;
      return { body: Buffer.from(payload), contentType: "application/x-www-form-urlencoded", signed };
    }
    case 5:
      // Invalid UTF-8 inside something that looks like JSON or a form.
      return {
        body: Buffer.concat([Buffer.from('{"type":"event_callback","event":{"type":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}}')]),
        contentType,
        signed,
      };
    case 6: {
      const events = [
        { type: "event_callback", event_id: `Ev${random.int(1e9)}`, event: { type: "reaction_added", reaction: "pushpin", user: "U0ALICE", item: random.pick([{}, null, { type: "message", channel: 5, ts: [] }]) } },
        { type: "event_callback", event_id: `Ev${random.int(1e9)}`, event: { type: "app_home_opened", user: random.pick(["U0ALICE", "", null, 7]), tab: "home" } },
        { type: "event_callback", event: null },
        { type: "url_verification", challenge: random.text(20) },
        { type: "event_callback", event_id: 42, event: { type: random.text(8) } },
      ];
      return { body: Buffer.from(JSON.stringify(random.pick(events))), contentType: "application/json", signed };
    }
    case 7:
      return {
        body: Buffer.from(JSON.stringify({ action: random.pick(["closed", "reopened", "x"]), issue: random.pick([{}, null, { number: "1", updated_at: "nope" }]), repository: { full_name: "acme/ops" } })),
        contentType: "application/json",
        signed,
      };
    case 8:
      return { body: Buffer.from("[".repeat(50_000)), contentType: "application/json", signed };
    default:
      return { body: Buffer.from(random.text(random.int(2_000))), contentType, signed };
  }
}

/** Well-formed and correctly signed, with garbage inside: these get past the signature to Bolt and the listeners. */
function planSignedSlack(random: Random): Plan {
  let body: Buffer;
  let contentType: string;
  do {
    ({ body, contentType } = randomBody(random, "/slack/events"));
  } while (body.length > 100_000);
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", childSigningSecret).update(`v0:${timestamp}:`).update(body).digest("hex");
  const head = [
    "POST /slack/events HTTP/1.1",
    "Host: 127.0.0.1",
    "Connection: close",
    `Content-Type: ${contentType}`,
    `Content-Length: ${body.length}`,
    `X-Slack-Request-Timestamp: ${timestamp}`,
    `X-Slack-Signature: v0=${signature}`,
    ...(random.chance(0.2) ? [`X-Slack-Retry-Num: ${random.pick(["1", "x", "-3"])}`] : []),
  ].join("\r\n");
  return { method: "POST", path: "/slack/events", head: `${head}\r\n\r\n`, body, sent: body, trickle: false, signedForBolt: true };
}

function planRequest(random: Random): Plan {
  if (random.chance(0.3)) return planSignedSlack(random);
  const method = random.chance(0.4) ? "POST" : random.pick(methods);
  const path = randomPath(random);
  const { body, contentType, signed } = method === "GET" || method === "HEAD"
    ? random.chance(0.8)
      ? { body: Buffer.alloc(0), contentType: "", signed: "none" as const }
      : randomBody(random, path)
    : randomBody(random, path);
  const headers: string[] = [`Host: ${random.chance(0.9) ? "127.0.0.1" : random.text(20, "abcdefghijklmnop.:[]%@")}`, "Connection: close"];
  if (contentType) headers.push(`Content-Type: ${contentType}`);
  const timestamp = Math.floor(Date.now() / 1000) + random.pick([0, 0, 0, 0, 0, -400, 400, 1e6]);
  if (signed === "slack") {
    headers.push(`X-Slack-Request-Timestamp: ${timestamp}`);
    // Over the bytes, as Slack signs: random and invalid UTF-8 bodies verify too.
    const signature = createHmac("sha256", childSigningSecret).update(`v0:${timestamp}:`).update(body).digest("hex");
    headers.push(`X-Slack-Signature: v0=${signature}`);
  } else if (signed === "github") {
    headers.push(`X-Hub-Signature-256: sha256=${createHmac("sha256", githubSecret).update(body).digest("hex")}`);
    headers.push(`X-GitHub-Event: ${random.pick(["issues", "ping", "", random.text(5)])}`);
    if (random.chance(0.8)) headers.push(`X-GitHub-Delivery: ${random.int(1e9)}`);
  } else if (random.chance(0.3)) {
    headers.push(`X-Slack-Signature: v0=${random.text(64, "0123456789abcdef")}`);
    headers.push(`X-Slack-Request-Timestamp: ${random.pick([String(timestamp), "NaN", "-1", "1e99", random.text(5)])}`);
    headers.push(`X-Hub-Signature-256: sha256=${random.text(64, "0123456789abcdef")}`);
  }
  for (let i = random.int(4); i > 0; i -= 1) headers.push(`X-${random.text(8, "abcdefghij")}: ${random.text(random.int(100), "abcdef =;,\t")}`);
  if (random.chance(0.2)) headers.push(`Accept-Encoding: ${random.pick(["gzip", "br", "br;q=0, gzip;q=0", "*", random.text(10)])}`);
  if (random.chance(0.1)) headers.push(`If-None-Match: ${random.pick(['"x"', "*", random.text(30)])}`);
  if (random.chance(0.03)) headers.push(`X-Huge: ${"h".repeat(40_000)}`);
  if (random.chance(0.03)) headers.push(`Bad Header Name: ${random.text(5)}`);
  if (random.chance(0.02)) headers.push(`X-Ctl: a\u0000b`);

  let sent = body;
  let trickle = false;
  const lengthStyle = random.int(20);
  if (lengthStyle === 0) {
    headers.push(`Content-Length: ${body.length + 1 + random.int(1000)}`); // promises more than it sends
    trickle = true;
  } else if (lengthStyle === 1 && body.length > 0) {
    headers.push(`Content-Length: ${random.int(body.length)}`); // the rest reads as a second, broken request
  } else if (lengthStyle === 2) {
    headers.push(`Content-Length: ${random.pick(["-1", "abc", "1e3", "99999999999999999999", "5, 6"])}`);
  } else if (lengthStyle === 3 && body.length > 0) {
    headers.push("Transfer-Encoding: chunked");
    const half = random.int(body.length);
    sent = Buffer.concat([
      Buffer.from(`${half.toString(16)}\r\n`),
      body.subarray(0, half),
      Buffer.from(`\r\n${(body.length - half).toString(16)}\r\n`),
      body.subarray(half),
      Buffer.from(random.chance(0.8) ? "\r\n0\r\n\r\n" : "\r\nzz\r\n"),
    ]);
  } else if (lengthStyle === 4 && body.length > 0) {
    headers.push(`Content-Length: ${body.length}`, "Transfer-Encoding: chunked");
  } else if (body.length > 0 || method === "POST" || method === "PUT") {
    headers.push(`Content-Length: ${body.length}`);
  }
  const version = random.chance(0.97) ? "HTTP/1.1" : random.pick(["HTTP/1.0", "HTTP/2.0", "HTTP/1.1 extra", ""]);
  const head = `${method} ${path} ${version}\r\n${headers.join("\r\n")}\r\n\r\n`;
  return { method, path, head, body, sent, trickle, signedForBolt: signed === "slack" };
}

function send(port: number, plan: Plan): Promise<RawAnswer> {
  return rawRequest(
    port,
    (socket) => {
      writeQuietly(socket, Buffer.from(plan.head, "latin1"));
      writeQuietly(socket, plan.sent);
      // The socket is never half-closed: Node's server drops a request whose client
      // half-closes before the answer (httpAllowHalfOpen is off), and Slack never does
      // that. A request that promised more than it sent waits for the server's timeout.
    },
    { timeoutMs: 15_000 },
  );
}

describe("hostile HTTP", () => {
  it(`survives ${requestCount} random requests (seed ${seed})`, { timeout: 120_000 }, async () => {
    const random = createRandom(seed);
    const plans = Array.from({ length: requestCount }, () => planRequest(random));
    const unchosen: string[] = [];
    const boltFailures: string[] = [];
    const statuses = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const index = next;
        next += 1;
        const plan = plans[index]!;
        const answer = await send(child.bot.port, plan);
        const key = `${knownPaths.find((known) => plan.path === known || plan.path.startsWith(`${known}?`)) ?? "other"} ${answer.status ?? "closed"}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (process.env.HOSTILE_DEBUG && answer.status === undefined && plan.signedForBolt) console.info(`closed #${index} after ${answer.elapsedMs} ms: ${answer.text.slice(0, 100)} ${plan.head.slice(0, 300)}`);
        if (answer.status !== undefined && answer.status >= 500) {
          const line = `#${index} ${plan.method} ${plan.path.slice(0, 80)} → ${answer.status}`;
          if (plan.signedForBolt && answer.status === 500) boltFailures.push(`${line}: ${plan.body.toString("utf8").slice(0, 200)}`);
          else unchosen.push(line);
          if (process.env.HOSTILE_DEBUG) console.info(plan.head.slice(0, 600), plan.sent.subarray(0, 600).toString("latin1"));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    console.info(`hostile HTTP, seed ${seed}: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

    expect(isAlive(child.bot)).toBe(true);
    const ready = await fetch(`${child.bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(unchosen).toEqual([]);
    // Most requests got an answer; a closed connection is only for requests that broke framing.
    const closed = [...statuses].filter(([key]) => key.endsWith("closed")).reduce((sum, [, n]) => sum + n, 0);
    expect(closed).toBeLessThan(requestCount / 5);
    if (process.env.HOSTILE_DEBUG) console.info(JSON.stringify(child.bot.logs.filter((line) => (line.level as number) >= 50), null, 1).slice(0, 5000));
    const failures = child.bot.logs.filter((line) => line.msg === "http request handler failed");
    expect(failures).toEqual([]);
    // Bolt's own 500 for a signed payload it or a listener could not process
    // (see the known failure below): each one is logged by Bolt, none stops the process.
    const boltLogged = child.bot.logs.filter((line) => line.msg === "slack request could not be processed");
    expect(boltFailures, "signed payloads answered 500").toEqual([]);
    expect(boltLogged).toEqual([]);
    if (process.env.HOSTILE_DEBUG && boltFailures.length > 0) console.info(`signed payloads Bolt answered with 500:\n${boltFailures.join("\n")}`);
  });

  /**
   * A correctly signed payload missing fields Slack always sends would make
   * Bolt's helpers (`event: null`, a reaction without `item`) or a listener
   * (a form without `view.state`) throw, and Bolt would answer 500. The
   * envelope check in front of Bolt answers 400 instead.
   */
  it("correctly signed but malformed Slack payloads get a 4xx or an empty 200, never a 500", async () => {
    const malformed: [string, string][] = [
      ['{"type":"event_callback","event_id":"Ev0NULL","event":null}', "application/json"],
      [
        `payload=${encodeURIComponent(JSON.stringify({ ...slackEnvelope, type: "view_submission", view: { callback_id: "incident_declare", state: null } }))}`,
        "application/x-www-form-urlencoded",
      ],
      ['{"type":"event_callback","event_id":"Ev0AUTH","authorizations":[null],"event":{"type":"app_home_opened","user":"U0ALICE","tab":"home"}}', "application/json"],
      [`payload=${encodeURIComponent(JSON.stringify({ ...slackEnvelope, type: "block_suggestion", channel: null, action_id: "x" }))}`, "application/x-www-form-urlencoded"],
      [`payload=${encodeURIComponent(JSON.stringify({ ...slackEnvelope, type: "view_submission", response_urls: null, view: { callback_id: "incident_declare", state: { values: {} } } }))}`, "application/x-www-form-urlencoded"],
      ["command=%2Fincident&text=list&text=status&user_id=U0ALICE&channel_id=C0GENERAL&team_id=T0TEAM", "application/x-www-form-urlencoded"],
    ];
    const statuses: number[] = [];
    for (const [body, contentType] of malformed) {
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(`${child.bot.url}/slack/events`, {
        method: "POST",
        headers: {
          "content-type": contentType,
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": `v0=${createHmac("sha256", childSigningSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`,
        },
        body,
      });
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });
});
