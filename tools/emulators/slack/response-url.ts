import { findBlockProblems } from "./block-kit.ts";
import type { Block, ResponseUrlTarget, World } from "./world.ts";

/** Slack honours a response_url up to five times within thirty minutes. */
export const responseUrlMaxUses = 5;
export const responseUrlLifetimeMs = 30 * 60 * 1000;

export type ResponseUrlOutcome =
  | { status: 200; body: { ok: true } }
  | {
      status: 400 | 404;
      body: { ok: false; error: string; response_metadata?: { messages: string[] } };
    };

type ResponseUrlMessage = {
  text?: string;
  blocks?: Block[];
  responseType: "ephemeral" | "in_channel";
  replaceOriginal: boolean;
  deleteOriginal: boolean;
  threadTs?: string;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export function checkResponseUrlUsable(target: ResponseUrlTarget | undefined, nowMs: number) {
  if (!target) return { ok: false as const, error: "no_such_url" };
  if (nowMs - target.issuedAtMs > responseUrlLifetimeMs)
    return { ok: false as const, error: "expired_url" };
  if (target.uses >= responseUrlMaxUses) return { ok: false as const, error: "used_url" };
  return { ok: true as const };
}

function readMessage(body: unknown): ResponseUrlMessage | { error: string; messages?: string[] } {
  if (!isRecord(body)) return { error: "invalid_payload" };
  const text = typeof body.text === "string" ? body.text : undefined;
  const blocks = body.blocks;
  if (blocks !== undefined && !Array.isArray(blocks)) return { error: "invalid_blocks_format" };
  if (blocks) {
    const problems = findBlockProblems(blocks, "message");
    if (problems.length > 0) return { error: "invalid_blocks", messages: problems };
  }
  const deleteOriginal = isTrue(body.delete_original);
  if (!deleteOriginal && !text?.trim() && (blocks?.length ?? 0) === 0) return { error: "no_text" };
  return {
    ...(text !== undefined ? { text } : {}),
    ...(blocks ? { blocks: blocks as Block[] } : {}),
    responseType: body.response_type === "in_channel" ? "in_channel" : "ephemeral",
    replaceOriginal: isTrue(body.replace_original),
    deleteOriginal,
    ...(typeof body.thread_ts === "string" ? { threadTs: body.thread_ts } : {}),
  };
}

/**
 * Applies what Bolt's `respond()` sends. `replace_original` and `delete_original` only have
 * something to act on when the URL was issued for a message (a button press); otherwise the
 * response is a new message, as Slack does for a slash command.
 */
export function applyResponseUrlPost(
  world: World,
  target: ResponseUrlTarget,
  body: unknown,
): ResponseUrlOutcome {
  const message = readMessage(body);
  if ("error" in message) {
    return {
      status: 400,
      body: {
        ok: false,
        error: message.error,
        ...(message.messages ? { response_metadata: { messages: message.messages } } : {}),
      },
    };
  }
  target.uses += 1;
  const content = {
    text: message.text ?? "",
    ...(message.blocks ? { blocks: message.blocks } : {}),
  };
  const original = target.messageTs;
  if (original !== undefined && (message.deleteOriginal || message.replaceOriginal)) {
    const inChannel = world.message(target.channel, original);
    const ephemeral = world.ephemeral(target.channel, original);
    if (message.deleteOriginal) {
      if (inChannel) world.deleteMessage(target.channel, original, world.bot.id);
      else if (ephemeral) world.deleteEphemeral(ephemeral);
      return { status: 200, body: { ok: true } };
    }
    if (inChannel) {
      world.editMessage(
        target.channel,
        original,
        { ...content, blocks: message.blocks ?? [] },
        world.bot.id,
      );
      return { status: 200, body: { ok: true } };
    }
    if (ephemeral) {
      world.replaceEphemeral(ephemeral, content);
      return { status: 200, body: { ok: true } };
    }
  }
  if (message.deleteOriginal) return { status: 200, body: { ok: true } };
  if (message.responseType === "in_channel") {
    world.postMessage({
      channel: target.channel,
      user: world.bot.id,
      ...content,
      ...(message.threadTs !== undefined ? { threadTs: message.threadTs } : {}),
    });
  } else {
    world.postEphemeral({
      channel: target.channel,
      user: target.user,
      ...content,
      ...(message.threadTs !== undefined ? { threadTs: message.threadTs } : {}),
      source: "response_url",
    });
  }
  return { status: 200, body: { ok: true } };
}
