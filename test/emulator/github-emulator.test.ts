import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  startGitHubEmulator,
} from "../../tools/emulators/github/index.ts";

const repo = { owner: "acme", repo: "ops" };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const RetryingOctokit = Octokit.plugin(retry, throttling);

let emulator: GitHubEmulator;
let github: Octokit;

function clientFor(options: { auth?: string; baseUrl?: string } = {}): Octokit {
  return new Octokit({
    auth: options.auth ?? emulator.token,
    baseUrl: options.baseUrl ?? emulator.apiUrl,
    log: silent,
  });
}

/**
 * The stack the bot runs: retries for 5xx/429 and throttling, with waits shrunk for tests.
 * Throttling is off unless a test needs it, because it spaces issue creations 3 s apart.
 */
function retryingClient(
  throttle: {
    onSecondaryRateLimit?: (retryAfter: number) => boolean;
    onRateLimit?: (retryAfter: number) => boolean;
  } = {},
) {
  const enabled = throttle.onSecondaryRateLimit !== undefined || throttle.onRateLimit !== undefined;
  return new RetryingOctokit({
    auth: emulator.token,
    baseUrl: emulator.apiUrl,
    log: silent,
    retry: { retryAfterBaseValue: 1 },
    throttle: {
      enabled,
      retryAfterBaseValue: 1,
      onSecondaryRateLimit: throttle.onSecondaryRateLimit ?? (() => false),
      onRateLimit: throttle.onRateLimit ?? (() => false),
    },
  });
}

async function restart(options: GitHubEmulatorOptions): Promise<void> {
  await emulator.close();
  emulator = await startGitHubEmulator(options);
  github = clientFor();
}

beforeEach(async () => {
  emulator = await startGitHubEmulator();
  github = clientFor();
});

afterEach(async () => {
  await emulator.close();
});

describe("identity and authentication", () => {
  it("answers as the token's user, with rate-limit headers on every response", async () => {
    const me = await github.rest.users.getAuthenticated();
    expect(me.data).toMatchObject({ login: "octobot", type: "User", name: "Incident Bot" });
    expect(me.headers["x-ratelimit-limit"]).toBe("5000");
    expect(me.headers["x-ratelimit-remaining"]).toBe("4999");
    expect(me.headers["x-ratelimit-used"]).toBe("1");
    expect(me.headers["x-ratelimit-resource"]).toBe("core");
    expect(Number(me.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);

    const alice = await github.rest.users.getByUsername({ username: "alice" });
    expect(alice.data).toMatchObject({ login: "alice", email: "alice@example.com" });
    expect(alice.headers["x-ratelimit-remaining"]).toBe("4998");
    await expect(github.rest.users.getByUsername({ username: "nobody" })).rejects.toMatchObject({
      status: 404,
      response: { data: { message: "Not Found" } },
    });
  });

  it("maps an email to a login through user search, only for public emails", async () => {
    const found = await github.rest.search.users({ q: "bob@example.com in:email" });
    expect(found.data.total_count).toBe(1);
    expect(found.data.items.map((user) => user.login)).toEqual(["bob"]);
    expect(found.headers["x-ratelimit-resource"]).toBe("search");
    expect(found.headers["x-ratelimit-limit"]).toBe("30");

    const hidden = await github.rest.search.users({ q: "frank@example.com in:email" });
    expect(hidden.data.total_count).toBe(0);
  });

  it("refuses a wrong or missing token with 401", async () => {
    await expect(
      clientFor({ auth: "ghp_wrong" }).rest.users.getAuthenticated(),
    ).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "Bad credentials" }, headers: { "x-ratelimit-limit": "60" } },
    });
    const anonymous = new Octokit({ baseUrl: emulator.apiUrl, log: silent });
    await expect(anonymous.rest.issues.create({ ...repo, title: "x" })).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "Requires authentication" } },
    });
    expect(emulator.world.issues("acme/ops")).toEqual([]);
    expect(emulator.calls.map((call) => [call.route, call.status])).toEqual([
      ["GET /user", 401],
      ["POST /repos/:owner/:repo/issues", 401],
    ]);
  });

  it("serves GitHub Enterprise's /api/v3 prefix, with URLs under it", async () => {
    const enterprise = clientFor({ baseUrl: emulator.enterpriseApiUrl });
    const created = await enterprise.rest.issues.create({ ...repo, title: "Via GHES" });
    expect(created.data.url).toBe(`${emulator.apiUrl}/api/v3/repos/acme/ops/issues/1`);
    const fetched = await github.rest.issues.get({ ...repo, issue_number: 1 });
    expect(fetched.data.url).toBe(`${emulator.apiUrl}/repos/acme/ops/issues/1`);
    expect(emulator.callsTo("POST /repos/{owner}/{repo}/issues")[0]?.path).toBe(
      "/repos/acme/ops/issues",
    );
  });
});

describe("issues", () => {
  it("creates an issue with labels made on the fly and known assignees", async () => {
    const created = await github.rest.issues.create({
      ...repo,
      title: "Add a circuit breaker to checkout",
      body: "From INC-42.\n\n<!-- incident-bot:item:7 -->",
      labels: ["incident", "sev1", "INC-42", "bug"],
      assignees: ["alice", "bob"],
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(created.data.url);
    expect(created.data).toMatchObject({
      number: 1,
      state: "open",
      state_reason: null,
      title: "Add a circuit breaker to checkout",
      html_url: "https://github.com/acme/ops/issues/1",
      user: { login: "octobot" },
      assignee: { login: "alice" },
      closed_at: null,
      comments: 0,
      author_association: "MEMBER",
    });
    expect(created.data.node_id).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(created.data.assignees?.map((user) => user.login)).toEqual(["alice", "bob"]);
    const labels = created.data.labels.map((label) =>
      typeof label === "string" ? label : [label.name, label.color],
    );
    // New labels get GitHub's implicit grey; an existing default label keeps its color.
    expect(labels).toEqual([
      ["incident", "ededed"],
      ["sev1", "ededed"],
      ["INC-42", "ededed"],
      ["bug", "d73a4a"],
    ]);

    const second = await github.rest.issues.create({
      ...repo,
      title: "Second",
      labels: ["Incident"],
    });
    expect(second.data.number).toBe(2);
    expect(second.data.labels).toMatchObject([{ name: "incident" }]);
    expect(
      emulator.world.labels("acme/ops").filter((label) => label.name === "incident"),
    ).toHaveLength(1);

    expect(emulator.world.issue("acme/ops", 1)).toMatchObject({
      title: "Add a circuit breaker to checkout",
      assignees: [{ login: "alice" }, { login: "bob" }],
    });
    const calls = emulator.callsTo("POST /repos/:owner/:repo/issues");
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      status: 201,
      params: { owner: "acme", repo: "ops" },
      body: { title: "Add a circuit breaker to checkout", assignees: ["alice", "bob"] },
      user: "octobot",
    });
  });

  it("answers 422 for an assignee who is unknown or has no access, and creates nothing", async () => {
    const refused = github.rest.issues.create({
      ...repo,
      title: "x",
      assignees: ["alice", "erin", "nobody"],
    });
    await expect(refused).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: "Validation Failed",
          documentation_url: "https://docs.github.com/rest/issues/issues#create-an-issue",
          errors: [
            { value: "erin", resource: "Issue", field: "assignees", code: "invalid" },
            { value: "nobody", resource: "Issue", field: "assignees", code: "invalid" },
          ],
        },
      },
    });
    await expect(
      github.request("POST /repos/{owner}/{repo}/issues", { ...repo, body: "no title" } as never),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: `Invalid request.\n\n"title" wasn't supplied.` } },
    });
    await expect(
      github.rest.issues.create({ ...repo, title: "x".repeat(257) }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ field: "title", code: "custom" }] } },
    });
    expect(emulator.world.issues("acme/ops")).toEqual([]);
  });

  it("closes with a reason and reopens, as PATCH does on GitHub", async () => {
    await github.rest.issues.create({ ...repo, title: "Rotate the key" });
    const closed = await github.rest.issues.update({
      ...repo,
      issue_number: 1,
      state: "closed",
      state_reason: "not_planned",
    });
    expect(closed.data).toMatchObject({
      state: "closed",
      state_reason: "not_planned",
      closed_by: { login: "octobot" },
    });
    expect(closed.data.closed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const reopened = await github.rest.issues.update({
      ...repo,
      issue_number: 1,
      state: "open",
      labels: ["sev2"],
    });
    expect(reopened.data).toMatchObject({
      state: "open",
      state_reason: "reopened",
      closed_at: null,
    });
    expect(reopened.data.labels).toMatchObject([{ name: "sev2" }]);

    await expect(
      github.rest.issues.update({ ...repo, issue_number: 1, state: "done" as "open" }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(github.rest.issues.get({ ...repo, issue_number: 99 })).rejects.toMatchObject({
      status: 404,
    });

    const comment = await github.rest.issues.createComment({
      ...repo,
      issue_number: 1,
      body: "Done in #12",
    });
    expect(comment.status).toBe(201);
    expect((await github.rest.issues.get({ ...repo, issue_number: 1 })).data.comments).toBe(1);

    await emulator.deleteIssue("acme/ops", 1);
    await expect(github.rest.issues.get({ ...repo, issue_number: 1 })).rejects.toMatchObject({
      status: 410,
      response: { data: { message: "This issue was deleted" } },
    });
  });

  it("paginates with a Link header that Octokit's paginate follows", async () => {
    await restart({
      seed: {
        repos: [
          {
            fullName: "acme/ops",
            issues: Array.from({ length: 7 }, (_, index) => ({
              title: `Item ${index + 1}`,
              labels: index % 2 === 0 ? ["incident"] : [],
              state: index === 6 ? ("closed" as const) : ("open" as const),
              createdAt: Date.UTC(2024, 0, index + 1),
            })),
          },
        ],
      },
    });
    const first = await github.rest.issues.listForRepo({ ...repo, state: "all", per_page: 3 });
    expect(first.data.map((issue) => issue.number)).toEqual([7, 6, 5]);
    expect(first.headers.link).toContain('page=2>; rel="next"');
    expect(first.headers.link).toContain('page=3>; rel="last"');

    const last = await github.rest.issues.listForRepo({
      ...repo,
      state: "all",
      per_page: 3,
      page: 3,
    });
    expect(last.data.map((issue) => issue.number)).toEqual([1]);
    expect(last.headers.link).toContain('rel="prev"');
    expect(last.headers.link).not.toContain('rel="next"');

    const all = await github.paginate(github.rest.issues.listForRepo, {
      ...repo,
      state: "all",
      per_page: 2,
    });
    expect(all.map((issue) => issue.number)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(emulator.callsTo("GET /repos/:owner/:repo/issues").length).toBe(2 + 4);

    const openIncidents = await github.paginate(github.rest.issues.listForRepo, {
      ...repo,
      labels: "incident",
      direction: "asc",
    });
    expect(openIncidents.map((issue) => issue.number)).toEqual([1, 3, 5]);
    const since = await github.rest.issues.listForRepo({
      ...repo,
      state: "closed",
      since: "2024-01-07T00:00:00Z",
    });
    expect(since.data.map((issue) => issue.number)).toEqual([7]);
  });

  it("lists and creates labels, refusing duplicates and bad colors", async () => {
    const defaults = await github.rest.issues.listLabelsForRepo({ ...repo, per_page: 100 });
    expect(defaults.data.map((label) => label.name)).toContain("good first issue");
    const created = await github.rest.issues.createLabel({
      ...repo,
      name: "sev1",
      color: "b60205",
      description: "Critical",
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: "sev1", color: "b60205", default: false });
    await expect(
      github.rest.issues.createLabel({ ...repo, name: "SEV1", color: "000000" }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: { errors: [{ resource: "Label", code: "already_exists", field: "name" }] },
      },
    });
    await expect(
      github.rest.issues.createLabel({ ...repo, name: "sev2", color: "#fff" }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ field: "color", code: "invalid" }] } },
    });
  });

  it("answers 404 for an unknown repository when repositories are not created on first use", async () => {
    await restart({ autoCreateRepos: false, seed: { repos: [{ fullName: "acme/ops" }] } });
    await expect(
      github.rest.issues.create({ owner: "acme", repo: "opz", title: "typo" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect((await github.rest.repos.get(repo)).data).toMatchObject({
      full_name: "acme/ops",
      owner: { type: "Organization" },
    });
  });
});

describe("search", () => {
  it("finds an issue by its hidden marker, word for word, and requires is:issue", async () => {
    await github.rest.issues.create({
      ...repo,
      title: "A",
      body: "text\n<!-- incident-bot:item:123 -->",
    });
    await github.rest.issues.create({
      ...repo,
      title: "B",
      body: "text\n<!-- incident-bot:item:1234 -->",
    });
    await github.rest.issues.create({
      owner: "acme",
      repo: "other",
      title: "C",
      body: "<!-- incident-bot:item:123 -->",
    });

    const found = await github.rest.search.issuesAndPullRequests({
      q: 'repo:acme/ops is:issue in:body "incident-bot:item:123"',
    });
    expect(found.data.total_count).toBe(1);
    expect(found.data.items.map((issue) => [issue.number, issue.title])).toEqual([[1, "A"]]);
    expect(found.headers["x-ratelimit-resource"]).toBe("search");

    const inTitle = await github.rest.search.issuesAndPullRequests({
      q: 'repo:acme/ops is:issue in:title "incident-bot:item:123"',
    });
    expect(inTitle.data.total_count).toBe(0);

    await expect(
      github.rest.search.issuesAndPullRequests({ q: 'repo:acme/ops "incident-bot:item:123"' }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Query must include 'is:issue' or 'is:pull-request'" } },
    });
  });

  it("does not see a new issue until the search index catches up", async () => {
    let clock = Date.UTC(2025, 5, 1, 12);
    await restart({ searchIndexDelayMs: 30_000, now: () => clock });
    const created = await github.rest.issues.create({
      ...repo,
      title: "Late",
      body: "<!-- incident-bot:item:9 -->",
    });
    const q = 'repo:acme/ops is:issue in:body "incident-bot:item:9"';

    expect((await github.rest.search.issuesAndPullRequests({ q })).data.total_count).toBe(0);
    // The issue itself is readable at once: only search lags.
    expect(
      (await github.rest.issues.get({ ...repo, issue_number: created.data.number })).data.title,
    ).toBe("Late");
    expect(emulator.world.isIndexed("acme/ops", 1)).toBe(false);

    clock += 30_000;
    const later = await github.rest.search.issuesAndPullRequests({ q });
    expect(later.data.items.map((issue) => issue.number)).toEqual([1]);
  });

  it("enforces the search quota with GitHub's primary rate-limit answer", async () => {
    await restart({ rateLimit: { search: 2 } });
    const q = "repo:acme/ops is:issue";
    await github.rest.search.issuesAndPullRequests({ q });
    const second = await github.rest.search.issuesAndPullRequests({ q });
    expect(second.headers["x-ratelimit-remaining"]).toBe("0");
    await expect(github.rest.search.issuesAndPullRequests({ q })).rejects.toMatchObject({
      status: 403,
      response: {
        data: { message: expect.stringMatching(/^API rate limit exceeded for user ID \d+\.$/) },
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-resource": "search" },
      },
    });
    // The core quota is separate.
    expect((await github.rest.users.getAuthenticated()).status).toBe(200);
  });
});

describe("faults", () => {
  it("answers 503 without applying the request, and a retrying client gets through", async () => {
    emulator.faults.add({
      route: "POST /repos/:owner/:repo/issues",
      kind: "server_error",
      status: 503,
      times: 2,
    });
    const noRetries = retryingClient();
    await expect(
      noRetries.rest.issues.create({ ...repo, title: "Once", request: { retries: 0 } }),
    ).rejects.toMatchObject({ status: 503 });
    expect(emulator.world.issues("acme/ops")).toEqual([]);

    const created = await retryingClient().rest.issues.create({ ...repo, title: "Once" });
    expect(created.status).toBe(201);
    expect(emulator.world.issues("acme/ops").map((issue) => issue.title)).toEqual(["Once"]);
    expect(
      emulator.callsTo("POST /repos/:owner/:repo/issues").map((call) => [call.status, call.fault]),
    ).toEqual([
      [503, "server_error"],
      [503, "server_error"],
      [201, undefined],
    ]);
  });

  it("answers secondary rate limits with retry-after (403 and 429) that plugin-throttling understands", async () => {
    await github.rest.issues.create({ ...repo, title: "Seed" });
    emulator.faults.add({
      route: "GET /repos/:owner/:repo/issues/:number",
      kind: "rate_limited",
      retryAfterSeconds: 7,
      times: 1,
    });
    const waits: number[] = [];
    const client = retryingClient({
      onSecondaryRateLimit: (retryAfter) => {
        waits.push(retryAfter);
        return true;
      },
    });
    const fetched = await client.rest.issues.get({ ...repo, issue_number: 1 });
    expect(fetched.data.title).toBe("Seed");
    expect(waits).toEqual([7]);

    emulator.faults.add({
      route: "POST /repos/:owner/:repo/issues",
      kind: "rate_limited",
      status: 429,
      times: 1,
    });
    await expect(github.rest.issues.create({ ...repo, title: "x" })).rejects.toMatchObject({
      status: 429,
      response: {
        headers: { "retry-after": "60" },
        data: { message: expect.stringContaining("secondary rate limit") },
      },
    });
    expect(emulator.world.issues("acme/ops")).toHaveLength(1);
  });

  it("drops the response after creating the issue: the client fails, the issue exists", async () => {
    emulator.faults.add({
      route: "POST /repos/:owner/:repo/issues",
      kind: "drop_response",
      times: 1,
    });
    const body = "Follow-up\n<!-- incident-bot:item:55 -->";
    await expect(
      github.rest.issues.create({ ...repo, title: "Lost answer", body }),
    ).rejects.toMatchObject({
      status: 500,
    });
    expect(emulator.world.issues("acme/ops").map((issue) => [issue.number, issue.title])).toEqual([
      [1, "Lost answer"],
    ]);
    expect(emulator.callsTo("POST /repos/:owner/:repo/issues")[0]).toMatchObject({
      status: 0,
      fault: "drop_response",
      response: { number: 1 },
    });
    // The marker is how a retry finds the issue instead of creating a second one.
    const found = await github.rest.search.issuesAndPullRequests({
      q: 'repo:acme/ops is:issue in:body "incident-bot:item:55"',
    });
    expect(found.data.items.map((issue) => issue.number)).toEqual([1]);
  });

  it("shows why the marker matters: a blind retry after a dropped response duplicates the issue", async () => {
    emulator.faults.add({
      route: "POST /repos/:owner/:repo/issues",
      kind: "drop_response",
      times: 1,
    });
    await retryingClient().rest.issues.create({ ...repo, title: "Duplicated" });
    expect(emulator.world.issues("acme/ops").map((issue) => issue.title)).toEqual([
      "Duplicated",
      "Duplicated",
    ]);
  });

  it("resets the connection without applying the request, and rejects unknown routes", async () => {
    emulator.faults.add({ kind: "connection_reset", times: 1 });
    await expect(github.rest.issues.create({ ...repo, title: "x" })).rejects.toMatchObject({
      status: 500,
    });
    expect(emulator.world.issues("acme/ops")).toEqual([]);
    expect(emulator.calls[0]).toMatchObject({ status: 0, fault: "connection_reset" });
    expect(() =>
      emulator.faults.add({ route: "POST /repos/:owner/:repo/isues", kind: "server_error" }),
    ).toThrow(/No emulated GitHub route/);
  });

  it("delays a slow request and still answers it", async () => {
    emulator.faults.add({ route: "GET /user", kind: "slow", delayMs: 150, times: 1 });
    const started = performance.now();
    await github.rest.users.getAuthenticated();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe("webhooks", () => {
  type Received = { headers: IncomingHttpHeaders; body: string };
  let received: Received[];
  let receiverStatus: number;
  let receiverUrl: string;
  let stopReceiver: () => Promise<void>;
  const secret = "It's a Secret to Everybody";

  beforeEach(async () => {
    received = [];
    receiverStatus = 202;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(receiverStatus).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/github/webhook`;
    stopReceiver = () => new Promise((resolve) => server.close(() => resolve()));
    emulator.webhooks.configure({ url: receiverUrl, secret });
  });

  afterEach(async () => {
    await stopReceiver();
  });

  function signatureIsValid(delivery: Received, key = secret): boolean {
    const header = delivery.headers["x-hub-signature-256"];
    const expected = Buffer.from(
      `sha256=${createHmac("sha256", key).update(delivery.body).digest("hex")}`,
    );
    const actual = Buffer.from(typeof header === "string" ? header : "");
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  function actions(): string[] {
    return received.map((delivery) => (JSON.parse(delivery.body) as { action: string }).action);
  }

  it("delivers signed issues events for API changes, after the API has answered", async () => {
    await github.rest.issues.create({
      ...repo,
      title: "Hooked",
      labels: ["incident"],
      assignees: ["carol"],
    });
    await github.rest.issues.update({ ...repo, issue_number: 1, state: "closed" });
    await emulator.webhooks.idle();

    expect(actions()).toEqual(["opened", "labeled", "assigned", "closed"]);
    const closed = received[3]!;
    expect(signatureIsValid(closed)).toBe(true);
    expect(signatureIsValid(closed, "another secret")).toBe(false);
    expect(closed.headers).toMatchObject({
      "x-github-event": "issues",
      "content-type": "application/json",
      "x-github-hook-installation-target-type": "repository",
    });
    expect(closed.headers["x-github-delivery"]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(closed.headers["user-agent"]).toMatch(/^GitHub-Hookshot\/[0-9a-f]{7}$/);
    expect(JSON.parse(closed.body)).toMatchObject({
      action: "closed",
      issue: {
        number: 1,
        state: "closed",
        state_reason: "completed",
        labels: [{ name: "incident" }],
      },
      repository: { full_name: "acme/ops" },
      organization: { login: "acme" },
      sender: { login: "octobot" },
    });
    expect(emulator.webhooks.deliveriesFor("issues", "closed")).toMatchObject([
      { status: 202, redelivery: false },
    ]);
  });

  it("plays a human closing the issue on github.com, and redelivers with the same delivery id", async () => {
    await github.rest.issues.create({ ...repo, title: "Close me" });
    await emulator.webhooks.idle();
    received.length = 0;

    const { issue, deliveries } = await emulator.closeIssue("acme/ops", 1, {
      by: "alice",
      reason: "not_planned",
    });
    expect(issue).toMatchObject({
      state: "closed",
      state_reason: "not_planned",
      closed_by: { login: "alice" },
    });
    expect(deliveries).toMatchObject([{ event: "issues", action: "closed", status: 202 }]);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({
      action: "closed",
      issue: { state_reason: "not_planned" },
      sender: { login: "alice" },
    });

    receiverStatus = 500;
    const again = await emulator.webhooks.redeliver(deliveries[0]!.id);
    expect(again).toMatchObject({ id: deliveries[0]!.id, redelivery: true, status: 500 });
    expect(received).toHaveLength(2);
    expect(received[1]!.headers["x-github-delivery"]).toBe(
      received[0]!.headers["x-github-delivery"],
    );
    expect(received[1]!.body).toBe(received[0]!.body);
    expect(signatureIsValid(received[1]!)).toBe(true);
  });

  it("can suppress a delivery, leaving only the world changed (for reconcile tests)", async () => {
    await github.rest.issues.create({ ...repo, title: "Silent" });
    await emulator.webhooks.idle();
    const before = received.length;

    const { deliveries } = await emulator.closeIssue("acme/ops", 1, { deliverWebhook: false });
    await emulator.webhooks.idle();
    expect(deliveries).toEqual([]);
    expect(received).toHaveLength(before);
    expect(emulator.world.issue("acme/ops", 1)).toMatchObject({
      state: "closed",
      closed_by: { login: "alice" },
    });
    const closedIssues = await github.rest.issues.listForRepo({ ...repo, state: "closed" });
    expect(closedIssues.data.map((issue) => issue.number)).toEqual([1]);

    const reopened = await emulator.reopenIssue("acme/ops", 1, { by: "bob" });
    expect(reopened.deliveries.map((delivery) => delivery.action)).toEqual(["reopened"]);
  });

  it("records an unreachable receiver as status 0", async () => {
    emulator.webhooks.configure({ url: "http://127.0.0.1:1/github/webhook", secret });
    await github.rest.issues.create({ ...repo, title: "Nobody listens" });
    await emulator.webhooks.idle();
    expect(emulator.webhooks.deliveries).toMatchObject([{ action: "opened", status: 0 }]);
    expect(emulator.webhooks.deliveries[0]?.error).toBeTruthy();
  });
});
