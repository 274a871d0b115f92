import type { KnownBlock, View } from "@slack/types";
import type { Access } from "./access.ts";
import type { Capability } from "../../domain/access/policy.ts";
import type { IncidentWithRoles } from "../../domain/incidents/repository.ts";
import { splitIncidentReference } from "../../domain/incidents/rules.ts";
import { escapeMrkdwn } from "./escape.ts";
import { ok, type Result } from "../../core/result.ts";
import { withoutControlCharacters } from "../../core/text.ts";
import type { SlackMessage } from "./gateway.ts";

/**
 * The `/incident` subcommand registry. Each subcommand declares its name,
 * aliases, usage and a pure `parse`; the router uses the same registry to
 * route and to generate `/incident help`, so the two never drift apart.
 *
 * Parsing happens before the ack: bad input is answered in the ack itself,
 * ephemerally, and nothing runs. `run` happens after the ack.
 */

export interface CommandInvocation {
  userId: string;
  channelId: string;
  triggerId: string;
}

export interface CommandContext {
  invocation: CommandInvocation;
  /** Replies only to the person who typed the command. */
  reply(message: SlackMessage): Promise<void>;
  openView(view: View): Promise<void>;
  /** The access policy, for lists (what this person may see) and second checks (a paged person). */
  access: Access;
  /** The incident the subcommand is about, found and allowed by the router (`access` of kind "incident"). */
  incident?: IncidentWithRoles;
}

/**
 * What a subcommand needs before it runs: nothing about an incident (it
 * declares one, or lists only what the policy lets the person see; `why`
 * says which), or an incident — the one named, else the channel's — and the
 * capabilities the person must hold in it.
 */
export type AccessRequest =
  | { kind: "none"; why: string }
  | { kind: "incident"; number: number | undefined; needs: Capability | readonly Capability[]; notFound?: string };

export interface Subcommand<Args = unknown> {
  name: string;
  aliases?: readonly string[];
  /** Arguments after `/incident <name>`, e.g. `<sev> <title>`. */
  usage: string;
  summary: string;
  parse(rest: string): Result<Args>;
  /** Asked by the router after parsing: see `AccessRequest`. Required, so no subcommand can forget it. */
  access(args: Args): AccessRequest;
  run(args: Args, context: CommandContext): Promise<void>;
}

export function defineSubcommand<Args>(subcommand: Subcommand<Args>): Subcommand<unknown> {
  return subcommand as Subcommand<unknown>;
}

export type Routed =
  | { ok: true; subcommand: Subcommand<unknown>; args: unknown }
  | { ok: false; message: SlackMessage };

export const commandName = "/incident";
export const maxCommandTextLength = 4000;

export class CommandRegistry {
  private readonly byName = new Map<string, Subcommand<unknown>>();
  private readonly ordered: Subcommand<unknown>[] = [];

  constructor(private readonly defaultSubcommand: string) {}

  register(...subcommands: Subcommand<unknown>[]): this {
    for (const subcommand of subcommands) {
      for (const name of [subcommand.name, ...(subcommand.aliases ?? [])]) {
        if (this.byName.has(name)) throw new Error(`Subcommand "${name}" is registered twice`);
        this.byName.set(name, subcommand);
      }
      this.ordered.push(subcommand);
    }
    return this;
  }

  list(): readonly Subcommand<unknown>[] {
    return this.ordered;
  }

  route(text: string): Routed {
    if (text.length > maxCommandTextLength) {
      return {
        ok: false,
        message: {
          text: `That command is too long (${text.length} characters; at most ${maxCommandTextLength}).`,
        },
      };
    }
    const trimmed = withoutControlCharacters(text).trim();
    const [first = ""] = trimmed.split(/\s+/);
    const name = first.toLowerCase() || this.defaultSubcommand;
    const rest = trimmed.slice(first.length).trim();
    if (name === "help") return { ok: false, message: this.help() };
    const subcommand = this.byName.get(name);
    if (!subcommand) {
      return {
        ok: false,
        message: this.help(`\`${escapeMrkdwn(first)}\` is not an /incident subcommand.`),
      };
    }
    const parsed = subcommand.parse(rest);
    if (!parsed.ok) {
      return {
        ok: false,
        message: { text: `${parsed.error}\nUsage: \`${usageLine(subcommand)}\`` },
      };
    }
    return { ok: true, subcommand, args: parsed.value };
  }

  help(preface?: string): SlackMessage {
    const lines = this.ordered.map(
      (subcommand) => `\`${usageLine(subcommand)}\` ${subcommand.summary}`,
    );
    const text = [preface, "*/incident commands*", ...lines, "`/incident help` Shows this list."]
      .filter(Boolean)
      .join("\n");
    const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text } }];
    return { text, blocks };
  }
}

/**
 * Parses `[INC-<n>] <the rest>`: an optional leading reference becomes
 * `number` (absent without one: the router then takes the channel's
 * incident), and `parseRest` reads what follows it.
 */
export function withIncidentReference<T extends object>(
  rest: string,
  parseRest: (afterReference: string) => Result<T>,
): Result<T & { number?: number }> {
  const { number, rest: afterReference } = splitIncidentReference(rest);
  const parsed = parseRest(afterReference);
  if (!parsed.ok) return parsed;
  return ok({ ...(number !== undefined ? { number } : {}), ...parsed.value });
}

export function usageLine(subcommand: Subcommand<unknown>): string {
  return `${commandName} ${subcommand.name}${subcommand.usage ? ` ${subcommand.usage}` : ""}`;
}
