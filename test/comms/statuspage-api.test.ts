import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { postUpdate, resolve } from "../support/scenario.ts";
import { declareFromForm, type Summary } from "../support/status-page.ts";

/**
 * Statuspage's public v2 API beside summary.json: the paths widgets,
 * exporters and chat integrations poll, in Statuspage's shapes, with the
 * same caching and CORS as summary.json.
 */

let bot: TestBot;

beforeEach(async () => {
  bot = await startTestBot({ label: "statuspage-api" });
});

afterEach(async () => {
  await bot.dispose();
});

const keys = (value: object) => Object.keys(value).sort();

async function getJson<T>(path: string): Promise<{ body: T; headers: Headers }> {
  const response = await fetch(`${bot.app.url}${path}`);
  expect(response.status, `GET ${path}`).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return { body: (await response.json()) as T, headers: response.headers };
}

/** A resolved public incident and an unresolved one. */
async function oneResolvedOneOpen() {
  const resolved = await declareFromForm(bot, { title: "Search results are stale", severity: "SEV3", components: "search" });
  await postUpdate(bot, resolved, "investigating Index lag --public");
  await resolve(bot, resolved, "Index rebuilt");
  const open = await declareFromForm(bot, { title: "Checkout API returning 500s", severity: "SEV2", components: "checkout" });
  await postUpdate(bot, open, "identified Bad deploy --public");
  await bot.settle();
  return { resolved, open };
}

describe("Statuspage's v2 API", () => {
  it("status, components, incidents, unresolved incidents and scheduled maintenances, in Statuspage's shapes and agreeing with summary.json", async () => {
    const { resolved, open } = await oneResolvedOneOpen();
    const { body: summary } = await getJson<Summary>("/api/v2/summary.json");

    const { body: status } = await getJson<Pick<Summary, "page" | "status">>("/api/v2/status.json");
    expect(keys(status)).toEqual(["page", "status"]);
    expect(status).toEqual({ page: summary.page, status: summary.status });

    const { body: components } = await getJson<Pick<Summary, "page" | "components">>("/api/v2/components.json");
    expect(keys(components)).toEqual(["components", "page"]);
    expect(components.components).toEqual(summary.components);

    const { body: unresolved } = await getJson<Pick<Summary, "page" | "incidents">>("/api/v2/incidents/unresolved.json");
    expect(keys(unresolved)).toEqual(["incidents", "page"]);
    expect(unresolved.incidents.map((incident) => incident.id)).toEqual([open.id]);
    expect(unresolved.incidents).toEqual(summary.incidents);

    // incidents.json: the recent ones, resolved included, newest first, each in the summary's incident shape.
    const { body: incidents } = await getJson<Pick<Summary, "page" | "incidents">>("/api/v2/incidents.json");
    expect(keys(incidents)).toEqual(["incidents", "page"]);
    expect(incidents.incidents.map((incident) => incident.id)).toEqual([open.id, resolved.id]);
    const [, past] = incidents.incidents;
    expect(keys(past!)).toEqual(keys(summary.incidents[0]!));
    expect(past).toMatchObject({ name: "Search results are stale", status: "resolved" });
    expect(past!.incident_updates.map((update) => update.status)).toEqual(["resolved", "investigating"]);

    const { body: maintenances } = await getJson<{ page: object; scheduled_maintenances: unknown[] }>(
      "/api/v2/scheduled-maintenances.json",
    );
    expect(maintenances).toEqual({ page: summary.page, scheduled_maintenances: [] });
  });

  it("serves every path with summary.json's caching and CORS, conditional requests included", async () => {
    await oneResolvedOneOpen();
    const summary = await fetch(`${bot.app.url}/api/v2/summary.json`);
    for (const path of [
      "/api/v2/status.json",
      "/api/v2/components.json",
      "/api/v2/incidents.json",
      "/api/v2/incidents/unresolved.json",
      "/api/v2/scheduled-maintenances.json",
    ]) {
      const first = await fetch(`${bot.app.url}${path}`);
      expect(first.status, path).toBe(200);
      expect(first.headers.get("access-control-allow-origin"), path).toBe("*");
      expect(first.headers.get("cache-control"), path).toBe(summary.headers.get("cache-control"));
      const etag = first.headers.get("etag");
      expect(etag, path).toBeTruthy();
      const again = await fetch(`${bot.app.url}${path}`, { headers: { "if-none-match": etag! } });
      expect(again.status, path).toBe(304);
      const head = await fetch(`${bot.app.url}${path}`, { method: "HEAD" });
      expect(head.status, path).toBe(200);
    }
  });
});
