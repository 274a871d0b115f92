export type Args = Record<string, unknown>;

/** Thrown by a method handler to answer `{ ok: false, error, ...extra }` with HTTP 200, as Slack does. */
export class SlackMethodError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

export function fail(error: string, extra?: Record<string, unknown>): never {
  throw new SlackMethodError(error, extra);
}

/** Slack points at the offending argument in `response_metadata.messages`; so do we. */
export function failWithMessages(error: string, messages: string[]): never {
  throw new SlackMethodError(error, { response_metadata: { messages } });
}

/** Methods that take an app-level token (xapp-), and refuse a bot token, as Slack does. */
const appLevelMethods = new Set(["apps.connections.open"]);

/**
 * The error Slack answers before running `method` with `token`, or undefined when it may run. The
 * emulator knows two kinds of token: bot (xoxb-) for the Web API, app-level (xapp-) for Socket
 * Mode; each is refused with `not_allowed_token_type` where the other belongs.
 */
export function tokenError(method: string, token: string | undefined): string | undefined {
  if (token === undefined || token === "") return "not_authed";
  const appLevel = appLevelMethods.has(method);
  if (token.startsWith("xapp-")) return appLevel ? undefined : "not_allowed_token_type";
  if (token.startsWith("xoxb-")) return appLevel ? "not_allowed_token_type" : undefined;
  return "invalid_auth";
}

/**
 * WebClient form-encodes everything, JSON-encoding objects and arrays. These are the arguments
 * that arrive as JSON text and should be decoded; free text such as `text` must stay a string even
 * when it happens to look like JSON.
 */
const jsonArgumentNames = new Set([
  "attachments",
  "blocks",
  "file_uploads",
  "files",
  "metadata",
  "unfurls",
  "user_auth_blocks",
  "view",
]);

export function decodeJsonArguments(args: Args): Args {
  const decoded: Args = {};
  for (const [name, value] of Object.entries(args)) {
    if (jsonArgumentNames.has(name) && typeof value === "string") {
      try {
        decoded[name] = JSON.parse(value);
      } catch {
        decoded[name] = value;
      }
    } else {
      decoded[name] = value;
    }
  }
  return decoded;
}

export class ArgReader {
  constructor(readonly raw: Args) {}

  has(name: string): boolean {
    const value = this.raw[name];
    return value !== undefined && value !== null && value !== "";
  }

  string(name: string): string | undefined {
    const value = this.raw[name];
    if (typeof value === "string") return value === "" ? undefined : value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return undefined;
  }

  requiredString(name: string, error = "invalid_arguments"): string {
    const value = this.string(name);
    if (value === undefined) {
      fail(error, { response_metadata: { messages: [`[ERROR] missing required field: ${name}`] } });
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    return value === true || value === "true" || value === "1" || value === 1;
  }

  integer(name: string): number | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    const parsed = typeof value === "number" ? value : Number(value);
    if (!Number.isInteger(parsed)) {
      failWithMessages("invalid_arguments", [`[ERROR] ${name} must be an integer`]);
    }
    return parsed;
  }

  /** A comma-separated list (Slack's form) or a JSON array. */
  list(name: string): string[] {
    const value = this.raw[name];
    const items = Array.isArray(value) ? value.map(String) : (this.string(name)?.split(",") ?? []);
    return items.map((item) => item.trim()).filter((item) => item !== "");
  }

  /** A structured argument; text that is not JSON is reported as `error`. */
  json(name: string, error = "invalid_arguments"): unknown {
    const value = this.raw[name];
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return failWithMessages(error, [`[ERROR] ${name} is not valid JSON`]);
    }
  }
}

export type Page<T> = { items: T[]; nextCursor: string };

/**
 * Offset cursors are stable here because the paginated lists only ever grow at the end
 * (channels and users are never removed, only archived or deactivated).
 */
export function paginate<T>(
  items: readonly T[],
  args: ArgReader,
  limits: { defaultLimit: number; maxLimit: number },
): Page<T> {
  const requested = args.integer("limit") ?? 0;
  const limit = requested <= 0 ? limits.defaultLimit : Math.min(requested, limits.maxLimit);
  const cursor = args.string("cursor");
  const start = cursor === undefined ? 0 : decodeOffsetCursor(cursor);
  const end = start + limit;
  return {
    items: items.slice(start, end),
    nextCursor: end < items.length ? encodeCursor(`offset:${end}`) : "",
  };
}

export function encodeCursor(value: string): string {
  return Buffer.from(value, "utf8").toString("base64");
}

export function decodeCursor(cursor: string, prefix: string): string {
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  if (!decoded.startsWith(`${prefix}:`)) fail("invalid_cursor");
  return decoded.slice(prefix.length + 1);
}

function decodeOffsetCursor(cursor: string): number {
  const offset = Number(decodeCursor(cursor, "offset"));
  if (!Number.isInteger(offset) || offset < 0) fail("invalid_cursor");
  return offset;
}
