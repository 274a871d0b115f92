import type { Block } from "./world.ts";

export type BlockSurface = "message" | "modal" | "home";

const maxBlocks: Record<BlockSurface, number> = { message: 50, modal: 100, home: 100 };

type TextObject = { type?: unknown; text?: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  return typeof (value as TextObject).text === "string"
    ? ((value as TextObject).text as string)
    : undefined;
}

/**
 * Checks the Block Kit limits Slack enforces on the way in, so a bot that would be rejected by
 * real Slack is rejected here too. Returns Slack-style `[ERROR] … [json-pointer:…]` messages.
 */
export function findBlockProblems(blocks: unknown[], surface: BlockSurface): string[] {
  const problems: string[] = [];
  const limit = maxBlocks[surface];
  if (blocks.length > limit) {
    problems.push(`[ERROR] must be less than ${limit + 1} items [json-pointer:/blocks]`);
  }
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const pointer = `/blocks/${index}`;
    if (!isRecord(block) || typeof block.type !== "string") {
      problems.push(`[ERROR] missing required field: type [json-pointer:${pointer}]`);
      return;
    }
    if (typeof block.block_id === "string") {
      if (blockIds.has(block.block_id)) {
        problems.push(
          `[ERROR] duplicate block_id "${block.block_id}" [json-pointer:${pointer}/block_id]`,
        );
      }
      blockIds.add(block.block_id);
    }
    problems.push(...findProblemsInBlock(block, pointer));
  });
  return problems;
}

function findProblemsInBlock(block: Record<string, unknown>, pointer: string): string[] {
  const problems: string[] = [];
  const tooLong = (value: string | undefined, max: number, at: string) => {
    if (value !== undefined && value.length > max) {
      problems.push(
        `[ERROR] must be less than ${max + 1} characters [json-pointer:${pointer}${at}]`,
      );
    }
  };
  switch (block.type) {
    case "section": {
      const text = textOf(block.text);
      const fields = Array.isArray(block.fields) ? block.fields : undefined;
      if (text === undefined && fields === undefined) {
        problems.push(`[ERROR] must provide either text or fields [json-pointer:${pointer}]`);
      }
      tooLong(text, 3000, "/text/text");
      if (fields && fields.length > 10) {
        problems.push(`[ERROR] must be less than 11 items [json-pointer:${pointer}/fields]`);
      }
      fields?.forEach((field, index) => {
        tooLong(textOf(field), 2000, `/fields/${index}/text`);
      });
      break;
    }
    case "header": {
      const text = block.text;
      if (!isRecord(text) || text.type !== "plain_text" || typeof text.text !== "string") {
        problems.push(`[ERROR] must be a plain_text object [json-pointer:${pointer}/text]`);
      }
      tooLong(textOf(text), 150, "/text/text");
      break;
    }
    case "actions": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > 25) {
        problems.push(`[ERROR] must contain 1 to 25 elements [json-pointer:${pointer}/elements]`);
      }
      elements.forEach((element, index) => {
        if (isRecord(element) && element.type === "button") {
          tooLong(textOf(element.text), 75, `/elements/${index}/text/text`);
        }
      });
      break;
    }
    case "context": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > 10) {
        problems.push(`[ERROR] must contain 1 to 10 elements [json-pointer:${pointer}/elements]`);
      }
      break;
    }
    case "input": {
      if (!isRecord(block.label)) {
        problems.push(`[ERROR] missing required field: label [json-pointer:${pointer}]`);
      }
      tooLong(textOf(block.label), 2000, "/label/text");
      if (!isRecord(block.element)) {
        problems.push(`[ERROR] missing required field: element [json-pointer:${pointer}]`);
      }
      break;
    }
  }
  return problems;
}

/** A rough plain-text reading of Block Kit, enough for a transcript line or a test assertion. */
export function blocksToText(blocks: readonly Block[]): string[] {
  const lines: string[] = [];
  for (const block of blocks) {
    const line = blockToText(block);
    if (line) lines.push(line);
  }
  return lines;
}

function blockToText(block: Block): string {
  switch (block.type) {
    case "header":
    case "section": {
      const parts = [textOf(block.text)];
      if (Array.isArray(block.fields)) parts.push(...block.fields.map(textOf));
      if (isRecord(block.accessory)) parts.push(elementToText(block.accessory));
      return joinParts(parts, " | ");
    }
    case "context":
      return joinParts(
        (Array.isArray(block.elements) ? block.elements : []).map(elementToText),
        " ",
      );
    case "actions":
      return joinParts(
        (Array.isArray(block.elements) ? block.elements : []).map(elementToText),
        " ",
      );
    case "input": {
      const label = textOf(block.label) ?? "input";
      return `${label}: ${isRecord(block.element) ? elementToText(block.element) || "____" : "____"}`;
    }
    case "image":
      return `[image: ${typeof block.alt_text === "string" ? block.alt_text : "image"}]`;
    case "rich_text":
      return richTextToText(block.elements);
    case "markdown":
      return typeof block.text === "string" ? block.text : "";
    default:
      return "";
  }
}

function elementToText(element: unknown): string {
  if (!isRecord(element)) return "";
  switch (element.type) {
    case "mrkdwn":
    case "plain_text":
      return typeof element.text === "string" ? element.text : "";
    case "button":
      return `[${textOf(element.text) ?? "button"}]`;
    case "image":
      return "";
    case "static_select":
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
    case "multi_static_select":
    case "multi_users_select":
      return `[${textOf(element.placeholder) ?? "select"} ▾]`;
    case "plain_text_input":
      return textOf(element.placeholder) ? `[${textOf(element.placeholder)}]` : "[____]";
    case "checkboxes":
    case "radio_buttons": {
      const options = Array.isArray(element.options) ? element.options : [];
      return options
        .map((option) => `[ ] ${isRecord(option) ? (textOf(option.text) ?? "") : ""}`)
        .join(" ");
    }
    case "overflow":
      return "[…]";
    default:
      return textOf(element.text) ?? "";
  }
}

function richTextToText(elements: unknown): string {
  if (!Array.isArray(elements)) return "";
  return elements
    .map((element) => {
      if (!isRecord(element)) return "";
      if (typeof element.text === "string") return element.text;
      if (element.type === "user" && typeof element.user_id === "string")
        return `<@${element.user_id}>`;
      if (element.type === "emoji" && typeof element.name === "string") return `:${element.name}:`;
      return richTextToText(element.elements);
    })
    .join("");
}

function joinParts(parts: Array<string | undefined>, separator: string): string {
  return parts.filter((part): part is string => Boolean(part)).join(separator);
}
