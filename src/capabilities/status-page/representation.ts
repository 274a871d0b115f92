import { createHash } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

/**
 * One rendered body, ready to send many times: its bytes in each encoding,
 * its ETag and Last-Modified, and the headers for each case, all computed
 * once per snapshot. Answering a request is then a header lookup and a
 * write of a shared Buffer.
 */

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

type Encoding = "br" | "gzip" | "identity";

export interface Representation {
  /** Hash of the content, shared by all its encodings. */
  tag: string;
  lastModified: Date;
  bodies: Record<Encoding, Buffer>;
  headers: Record<Encoding, OutgoingHttpHeaders>;
  notModifiedHeaders: Record<Encoding, OutgoingHttpHeaders>;
}

export interface RepresentationOptions {
  contentType: string;
  cacheControl: string;
  extraHeaders?: OutgoingHttpHeaders;
}

export function contentTag(body: string): string {
  return createHash("sha256").update(body).digest("base64url").slice(0, 27);
}

/**
 * Compression runs on libuv's thread pool (zlib's async API), so building a
 * snapshot does not stall requests being answered from the previous one.
 */
export async function buildRepresentation(
  body: string,
  lastModified: Date,
  options: RepresentationOptions,
): Promise<Representation> {
  const identity = Buffer.from(body, "utf8");
  const [gzipped, brotli] = await Promise.all([
    gzipAsync(identity, { level: 9 }),
    brotliAsync(identity, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 9,
        [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
      },
    }),
  ]);
  const tag = contentTag(body);
  const bodies: Record<Encoding, Buffer> = { identity, gzip: gzipped, br: brotli };
  const httpDate = lastModified.toUTCString();
  const common = (encoding: Encoding): OutgoingHttpHeaders => ({
    // Each encoding is its own representation, so each gets its own strong ETag.
    etag: `"${tag}${encoding === "identity" ? "" : `-${encoding}`}"`,
    "last-modified": httpDate,
    "cache-control": options.cacheControl,
    vary: "Accept-Encoding",
    ...options.extraHeaders,
  });
  const headers = {} as Record<Encoding, OutgoingHttpHeaders>;
  const notModifiedHeaders = {} as Record<Encoding, OutgoingHttpHeaders>;
  for (const encoding of ["identity", "gzip", "br"] as const) {
    notModifiedHeaders[encoding] = common(encoding);
    headers[encoding] = {
      ...common(encoding),
      "content-type": options.contentType,
      "content-length": bodies[encoding].length,
      "x-content-type-options": "nosniff",
      ...(encoding === "identity" ? {} : { "content-encoding": encoding }),
    };
  }
  return { tag, lastModified, bodies, headers, notModifiedHeaders };
}

/** 200 with the best encoding the client accepts, or 304 when its copy is current. */
export function sendRepresentation(
  request: IncomingMessage,
  response: ServerResponse,
  representation: Representation,
): void {
  const encoding = chooseEncoding(request.headers["accept-encoding"]);
  if (isNotModified(request, representation)) {
    response.writeHead(304, representation.notModifiedHeaders[encoding]);
    response.end();
    return;
  }
  response.writeHead(200, representation.headers[encoding]);
  response.end(request.method === "HEAD" ? undefined : representation.bodies[encoding]);
}

function isNotModified(request: IncomingMessage, representation: Representation): boolean {
  const ifNoneMatch = request.headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    // Weak comparison (RFC 9110 §13.1.2): any encoding of the same content matches.
    return ifNoneMatch
      .split(",")
      .map((candidate) => candidate.trim())
      .some(
        (candidate) =>
          candidate === "*" ||
          candidate
            .replace(/^W\//, "")
            .replace(/^"|"$/g, "")
            .replace(/-(gzip|br)$/, "") === representation.tag,
      );
  }
  const ifModifiedSince = request.headers["if-modified-since"];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return (
    !Number.isNaN(since) &&
    Math.floor(representation.lastModified.getTime() / 1000) <= Math.floor(since / 1000)
  );
}

const encodingCache = new Map<string, Encoding>();

/** Prefers br, then gzip, honouring `;q=0`. Browsers send a handful of distinct headers, so the answer is cached. */
export function chooseEncoding(header: string | undefined): Encoding {
  if (!header) return "identity";
  const cached = encodingCache.get(header);
  if (cached) return cached;
  const accepted = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    accepted.set(name.trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  const wildcard = accepted.get("*");
  const allows = (name: string) => (accepted.get(name) ?? wildcard ?? 0) > 0;
  const chosen: Encoding = allows("br") ? "br" : allows("gzip") ? "gzip" : "identity";
  if (encodingCache.size < 100) encodingCache.set(header, chosen);
  return chosen;
}
