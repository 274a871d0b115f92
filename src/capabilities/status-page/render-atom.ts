import { createHash } from "node:crypto";
import { Feed } from "feed";
import { incidentLink } from "./render-json.ts";
import { escapeHtml } from "./render-html.ts";
import { type PublicIncident, type StatusPageData, statusLabels } from "./snapshot.ts";

/**
 * A feed reader only needs what is new since it last polled; the page and the
 * JSON keep the whole history. Without a cap, a busy quarter (1,000 incidents,
 * 3,000 updates) makes a 1.2 MB feed that takes the `feed` package 200 ms of
 * blocked event loop to render on every change.
 */
export const maxFeedEntries = 250;

/**
 * GET /history.atom: one entry per public update of the last 90 days, newest
 * first, at most `maxFeedEntries`. Titles and content are Atom `type="html"`, so everything people
 * typed is HTML-escaped first (the `feed` package wraps it in CDATA as is).
 * Ids are derived from the page URL and the timeline event, so they stay the
 * same across rebuilds and replicas and a reader never sees an entry twice.
 */
export function renderHistoryAtom(data: StatusPageData): string {
  const feed = new Feed({
    id: stableUrn(data.page.url, "feed"),
    title: data.page.name,
    description: `Public updates about incidents, last 90 days`,
    link: data.page.url,
    feedLinks: { atom: new URL("history.atom", data.page.url).toString() },
    updated: data.page.updatedAt,
    // RFC 4287 wants an author on the feed when its entries have none.
    author: { name: data.page.name },
    generator: "incident-bot",
  });
  const componentNames = new Map(data.components.map((c) => [c.id, c.name]));
  const entries: { incident: PublicIncident; index: number }[] = [];
  for (const incident of [...data.active, ...data.history]) {
    incident.updates.forEach((update, index) => {
      if (update.at >= data.since) entries.push({ incident, index });
    });
  }
  entries.sort(
    (a, b) =>
      b.incident.updates[b.index]!.at.getTime() - a.incident.updates[a.index]!.at.getTime(),
  );
  for (const { incident, index } of entries.slice(0, maxFeedEntries)) {
    const update = incident.updates[index]!;
    const affected = incident.componentIds.map((id) => componentNames.get(id)).join(", ");
    feed.addItem({
      title: escapeHtml(`${incident.name}: ${statusLabels[update.status]}`),
      id: stableUrn(data.page.url, `update:${update.id}`),
      link: incidentLink(data, incident),
      date: update.at,
      published: update.at,
      content:
        `<p><strong>${statusLabels[update.status]}</strong>: ${escapeHtml(update.body)}</p>` +
        (affected ? `<p>Affected: ${escapeHtml(affected)}</p>` : ""),
    });
  }
  return feed.atom1();
}

/** A name-based (version 5 style) UUID URN: the same inputs always give the same id. */
function stableUrn(namespace: string, name: string): string {
  const bytes = createHash("sha1").update(`${namespace}\n${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
