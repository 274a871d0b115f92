import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { command, postUpdate, resolve } from "../support/scenario.ts";
import { declareFromForm, fetchStatusPage } from "../support/status-page.ts";

let bot: TestBot;

beforeEach(async () => {
  bot = await startTestBot({ label: "status-page" });
});

afterEach(async () => {
  await bot.dispose();
});

const componentStates = async () =>
  Object.fromEntries(
    (await fetchStatusPage(bot)).summary.components.map((c) => [c.id, c.status]),
  );

interface AtomEntry {
  id: string;
  title: string;
  updated: string;
  link: string;
  content: string;
}

/** `<title type="html">…</title>` parses as { "#text", "@_type" }: the text of an html-typed element. */
function htmlText(element: { "#text": string; "@_type": string }): string {
  expect(element["@_type"]).toBe("html");
  return element["#text"];
}

function parseAtom(atom: string) {
  expect(XMLValidator.validate(atom)).toBe(true);
  const parsed = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === "entry",
  }).parse(atom) as {
    feed: {
      "@_xmlns": string;
      id: string;
      title: string;
      updated: string;
      author: { name: string };
      entry?: {
        id: string;
        title: { "#text": string; "@_type": string };
        updated: string;
        link: { "@_href": string };
        content: { "#text": string; "@_type": string };
      }[];
    };
  };
  const { entry, ...feed } = parsed.feed;
  const entries = entry?.map(
    (e): AtomEntry => ({
      id: e.id,
      title: htmlText(e.title),
      updated: e.updated,
      link: e.link["@_href"],
      content: htmlText(e.content),
    }),
  );
  return { ...feed, entry: entries };
}

describe("what the status page shows", () => {
  it("an internal-only update never appears; a public one appears in the HTML, the JSON and the feed", async () => {
    const incident = await declareFromForm(bot, {
      title: "Checkout API returning 500s",
      severity: "SEV2",
      components: "Checkout, api",
    });
    await postUpdate(bot, incident, "identified Internal note: bad deploy of 4.2");

    let page = await fetchStatusPage(bot);
    for (const body of [page.html, page.json, page.atom]) {
      expect(body).not.toContain("Checkout API returning 500s");
      expect(body).not.toContain("Internal note");
    }
    expect(page.summary.incidents).toEqual([]);
    expect(page.summary.status.indicator).toBe("none");
    expect(parseAtom(page.atom).entry ?? []).toHaveLength(0);

    await postUpdate(bot, incident, "investigating Something --public");

    page = await fetchStatusPage(bot);
    expect(page.html).toContain("Checkout API returning 500s");
    expect(page.html).toContain("Something");
    expect(page.summary.incidents).toHaveLength(1);
    expect(page.summary.incidents[0]).toMatchObject({
      id: incident.id,
      name: "Checkout API returning 500s",
      status: "investigating",
      impact: "major",
    });
    expect(page.summary.incidents[0]!.incident_updates).toEqual([
      expect.objectContaining({ status: "investigating", body: "Something" }),
    ]);
    const entries = parseAtom(page.atom).entry!;
    expect(entries).toHaveLength(1);
    expect(entries[0]!.title).toBe("Checkout API returning 500s: Investigating");
    expect(entries[0]!.content).toContain("Something");
    // The earlier internal update stays internal after the incident went public.
    for (const body of [page.html, page.json, page.atom]) expect(body).not.toContain("Internal note");
  });

  it("a private incident never appears, even with a public update, and moves no component", async () => {
    const secret = await declareFromForm(bot, {
      title: "Leaked credentials",
      severity: "SEV1",
      components: "Search",
      isPrivate: true,
    });
    await postUpdate(bot, secret, "investigating Rotating every key --public");
    await resolve(bot, secret, "Keys rotated");
    // A public incident declared after it: once it shows, the page has been
    // rebuilt since the private one's updates.
    const visible = await declareFromForm(bot, { title: "Slow search", severity: "SEV3" });
    await postUpdate(bot, visible, "investigating Looking into it --public");

    const page = await fetchStatusPage(bot);
    expect(page.html).toContain("Slow search");
    for (const body of [page.html, page.json, page.atom]) {
      expect(body).not.toContain("Leaked credentials");
      expect(body).not.toContain("Rotating every key");
      expect(body).not.toContain("Keys rotated");
      expect(body).not.toContain(secret.id);
    }
    expect(page.summary.components.find((c) => c.id === "search")!.status).toBe("operational");
  });

  it("component states follow a public incident's severity and return to operational on resolve", async () => {
    const incident = await declareFromForm(bot, {
      title: "Checkout API returning 500s",
      severity: "SEV2",
      // By name and by id, in any case; unknown names are ignored.
      components: "CHECKOUT, api, Billing",
    });
    expect(await componentStates()).toEqual({
      api: "operational",
      checkout: "operational",
      web: "operational",
      search: "operational",
    });

    await postUpdate(bot, incident, "investigating Errors on checkout --public");
    expect(await componentStates()).toEqual({
      api: "partial_outage",
      checkout: "partial_outage",
      web: "operational",
      search: "operational",
    });
    let page = await fetchStatusPage(bot);
    expect(page.summary.status).toEqual({
      indicator: "major",
      description: "Partial System Outage",
    });
    expect(page.summary.incidents[0]!.components.map((c) => [c.id, c.status])).toEqual([
      ["api", "partial_outage"],
      ["checkout", "partial_outage"],
    ]);
    expect(page.html).toMatch(/API<\/span>.*?Partial outage/);

    // A second, less severe incident on the same component: the worst state wins.
    const minor = await declareFromForm(bot, {
      title: "Checkout slow",
      severity: "SEV3",
      components: "checkout, web",
    });
    await postUpdate(bot, minor, "investigating Slow pages --public");
    expect(await componentStates()).toMatchObject({
      checkout: "partial_outage",
      web: "degraded_performance",
    });

    await command(bot, "severity sev1", { channelId: incident.channelId });
    expect(await componentStates()).toMatchObject({ api: "major_outage", checkout: "major_outage" });
    page = await fetchStatusPage(bot);
    expect(page.summary.status.indicator).toBe("critical");
    expect(page.summary.incidents.find((i) => i.id === incident.id)!.impact).toBe("critical");
    expect(page.html).toContain("Major outage");

    await resolve(bot, incident, "Rolled back to 4.1");
    await resolve(bot, minor);
    expect(await componentStates()).toEqual({
      api: "operational",
      checkout: "operational",
      web: "operational",
      search: "operational",
    });
    page = await fetchStatusPage(bot);
    expect(page.summary.status).toEqual({
      indicator: "none",
      description: "All Systems Operational",
    });
    expect(page.summary.incidents).toEqual([]);
    // Resolved incidents move to the history, with the resolution as their last word.
    const history = page.html.slice(page.html.indexOf("Past incidents"));
    expect(history).toContain("Checkout API returning 500s");
    expect(history).toContain("Rolled back to 4.1");
    expect(history).toContain("This incident has been resolved.");
    expect(page.html.slice(0, page.html.indexOf("Past incidents"))).toContain(
      "No active incidents.",
    );
    const titles = parseAtom(page.atom).entry!.map((e) => e.title);
    expect(titles).toContain("Checkout API returning 500s: Resolved");

    // Reopening puts the components back.
    await command(bot, "reopen", { channelId: incident.channelId });
    expect(await componentStates()).toMatchObject({ api: "major_outage", checkout: "major_outage" });
  });
});

describe("the three documents", () => {
  it("summary.json has exactly Statuspage's v2 field names", async () => {
    const incident = await declareFromForm(bot, {
      title: "Checkout API returning 500s",
      severity: "SEV2",
      components: "checkout",
    });
    await postUpdate(bot, incident, "identified Bad deploy --public");
    const { summary } = await fetchStatusPage(bot);
    const keys = (value: object) => Object.keys(value).sort();

    expect(keys(summary)).toEqual(
      ["page", "components", "incidents", "scheduled_maintenances", "status"].sort(),
    );
    expect(keys(summary.page)).toEqual(["id", "name", "url", "time_zone", "updated_at"].sort());
    expect(keys(summary.status)).toEqual(["description", "indicator"]);
    const componentKeys = [
      "id",
      "name",
      "status",
      "created_at",
      "updated_at",
      "position",
      "description",
      "showcase",
      "start_date",
      "group_id",
      "page_id",
      "group",
      "only_show_if_degraded",
    ].sort();
    for (const component of summary.components) expect(keys(component)).toEqual(componentKeys);
    const [published] = summary.incidents;
    expect(keys(published!)).toEqual(
      [
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "monitoring_at",
        "resolved_at",
        "impact",
        "shortlink",
        "started_at",
        "page_id",
        "incident_updates",
        "components",
      ].sort(),
    );
    for (const component of published!.components) expect(keys(component)).toEqual(componentKeys);
    const [update] = published!.incident_updates;
    expect(keys(update!)).toEqual(
      [
        "id",
        "status",
        "body",
        "incident_id",
        "created_at",
        "updated_at",
        "display_at",
        "affected_components",
        "deliver_notifications",
        "custom_tweet",
        "tweet_id",
      ].sort(),
    );
    expect(update).toMatchObject({
      status: "identified",
      body: "Bad deploy",
      incident_id: incident.id,
      affected_components: [
        { code: "checkout", name: "Checkout", old_status: "operational", new_status: "partial_outage" },
      ],
    });
    expect(summary.page).toMatchObject({ name: "Example Co status", time_zone: "Europe/London" });
    expect(summary.page.id).toMatch(/^[a-z0-9]{12}$/);
    expect(summary.components.map((c) => c.position)).toEqual([1, 2, 3, 4]);
    expect(summary.components[0]).toMatchObject({ group_id: null, group: false, page_id: summary.page.id });
    expect(summary.scheduled_maintenances).toEqual([]);
  });

  it("the Atom feed is well-formed XML with one entry per public update, newest first", async () => {
    const incident = await declareFromForm(bot, { title: "Login errors", severity: "SEV2" });
    await postUpdate(bot, incident, "investigating First look --public");
    await bot.advance(60_000);
    await postUpdate(bot, incident, "identified Internal only");
    await bot.advance(60_000);
    await postUpdate(bot, incident, "monitoring Fix deployed --public");
    await bot.advance(60_000);
    await resolve(bot, incident);

    const response = await fetch(`${bot.app.url}/history.atom`);
    expect(response.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const feed = parseAtom(await response.text());
    expect(feed["@_xmlns"]).toBe("http://www.w3.org/2005/Atom");
    expect(feed.title).toBe("Example Co status");
    expect(feed.author.name).toBe("Example Co status");
    expect(feed.id).toMatch(/^urn:uuid:/);
    const entries = feed.entry!;
    expect(entries.map((e) => e.title)).toEqual([
      "Login errors: Resolved",
      "Login errors: Monitoring",
      "Login errors: Investigating",
    ]);
    expect(entries[0]!.content).toContain("This incident has been resolved.");
    for (const entry of entries) {
      expect(entry.id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(new Date(entry.updated).getTime()).not.toBeNaN();
      expect(entry.link).toContain(`#incident-${incident.id}`);
    }
    expect(new Set(entries.map((e) => e.id)).size).toBe(3);
  });

  it("the HTML is a complete, accessible document and escapes what people typed", async () => {
    const incident = await declareFromForm(bot, {
      title: `<script>alert("title")</script> & more`,
      severity: "SEV3",
      components: "web",
    });
    await postUpdate(bot, incident, `investigating <img src=x onerror=alert(1)> "quoted" --public`);

    const response = await fetch(`${bot.app.url}/status`);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html.startsWith("<!doctype html><html lang=\"en\">")).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("<title>Example Co status</title>");
    expect(html).toContain("<h1>Example Co status</h1>");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; more");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot;");
    // States in words, not colour only.
    expect(html).toMatch(/Website<\/span>.*?Degraded performance/);
    expect(html).toMatch(/Search<\/span>.*?Operational/);
    expect(html).toContain("Minor Service Outage");

    const { summary, atom } = await fetchStatusPage(bot);
    expect(summary.incidents[0]!.name).toBe(`<script>alert("title")</script> & more`);
    expect(atom).not.toContain("<script");
    expect(parseAtom(atom).entry![0]!.title).toBe(
      "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; more: Investigating",
    );
  });
});

describe("serving", () => {
  it("answers conditional requests with 304 and compresses for clients that accept it", async () => {
    const first = await fetch(`${bot.app.url}/status`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toContain("max-age=5");
    expect(first.headers.get("last-modified")).toBeTruthy();

    const again = await fetch(`${bot.app.url}/status`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");

    const gzipped = await fetch(`${bot.app.url}/api/v2/summary.json`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect(gzipped.headers.get("vary")).toBe("Accept-Encoding");
    expect(((await gzipped.json()) as { status: unknown }).status).toBeDefined();

    const incident = await declareFromForm(bot, { title: "Login errors", severity: "SEV2" });
    await postUpdate(bot, incident, "investigating Looking --public");
    const changed = await fetch(`${bot.app.url}/status`, { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("does not query the database per request: with the database closed, every request still answers", async () => {
    const incident = await declareFromForm(bot, {
      title: "Checkout API returning 500s",
      severity: "SEV2",
      components: "checkout",
    });
    await postUpdate(bot, incident, "investigating Something --public");
    const before = await fetchStatusPage(bot);

    await bot.app.db.close();
    await expect(bot.app.db.prisma.incident.count()).rejects.toThrow();

    const paths = ["/status", "/api/v2/summary.json", "/history.atom"];
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => fetch(`${bot.app.url}${paths[i % 3]}`)),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const after = await fetchStatusPage(bot);
    expect(after).toEqual(before);
    expect(after.summary.incidents[0]!.incident_updates[0]!.body).toBe("Something");
  });
});
