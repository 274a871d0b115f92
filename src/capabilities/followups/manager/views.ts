import type { KnownBlock } from "@slack/types";
import { incidentKey } from "../../../domain/incidents/rules.ts";
import { truncate } from "../../../adapters/slack/escape.ts";
import type { SlackMessage } from "../../../adapters/slack/gateway.ts";
import { describeActionItem, isOverdue } from "../action-items.ts";
import type { ItemPage, ItemWithIncident } from "./queries.ts";

/**
 * Block Kit for action-item lists, shared by `/incident actions`, the App
 * Home and the digest. Pure: rows in, blocks out. Item text is escaped by
 * `describeActionItem`; everything else here is ours.
 */

export const sectionTextLimit = 3000;
export const headerTextLimit = 150;

/** `*INC-3* · Add an alert · @alice · due 2026-11-20 · #12 · :warning: overdue` */
export function describeItemLine(item: ItemWithIncident, now: Date, timezone: string): string {
  const overdue = isOverdue(item, now, timezone) ? " · :warning: *overdue*" : "";
  return `*${incidentKey(item.incident.number)}* · ${describeActionItem(item)}${overdue}`;
}

export function header(text: string): KnownBlock {
  return { type: "header", text: { type: "plain_text", text: truncate(text, headerTextLimit) } };
}

export function section(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text: truncate(text, sectionTextLimit) } };
}

export function context(text: string): KnownBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text: truncate(text, sectionTextLimit) }] };
}

/** One section per item, then "…and N more" when the page holds fewer than the total. */
export function itemBlocks(page: ItemPage, now: Date, timezone: string, more: string): KnownBlock[] {
  const blocks = page.items.map((item) => section(describeItemLine(item, now, timezone)));
  const hidden = page.total - page.items.length;
  if (hidden > 0) blocks.push(context(`…and ${hidden} more. ${more}`));
  return blocks;
}

export interface ItemListMessage {
  title: string;
  /** What is shown: "open items you own", … */
  summary: string;
  empty: string;
  page: ItemPage;
  now: Date;
  timezone: string;
  /** After "…and N more.": where to see the rest. */
  more: string;
}

/** An ephemeral list: header, summary, ≤40 item sections, the rest counted. ≤43 blocks. */
export function renderItemListMessage(list: ItemListMessage): SlackMessage {
  const count = `${list.page.total} ${list.summary}`;
  const blocks: KnownBlock[] = [header(list.title)];
  if (list.page.total === 0) {
    blocks.push(section(list.empty));
    return { text: `${list.title}: ${list.empty}`, blocks };
  }
  blocks.push(context(`${count} · due dates are calendar days in ${list.timezone}`));
  blocks.push(...itemBlocks(list.page, list.now, list.timezone, list.more));
  return { text: `${list.title}: ${count}`, blocks };
}
