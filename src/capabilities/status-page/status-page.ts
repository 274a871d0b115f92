import type { IncomingMessage, ServerResponse } from "node:http";
import type { Playbook } from "../../core/config/playbook.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type HttpRoutes, sendJson } from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";
import type { Clock } from "../../core/clock.ts";
import { loadChangeMarker, loadStatusRows } from "./loader.ts";
import { renderHistoryAtom } from "./render-atom.ts";
import { htmlContentSecurityPolicy, renderStatusHtml } from "./render-html.ts";
import { renderStatusApi, statusApiPaths } from "./render-json.ts";
import {
  buildRepresentation,
  contentTag,
  type Representation,
  type RepresentationOptions,
  sendRepresentation,
} from "./representation.ts";
import { buildStatusSnapshot, historyDays } from "./snapshot.ts";

/**
 * The public status page (GET /status, /history.atom, and Statuspage's
 * public v2 API under /api/v2/: summary, status, components, incidents,
 * unresolved incidents, scheduled maintenances).
 *
 * SPEC.md asks for ≥ 2,000 req/s with p99 ≤ 50 ms during an outage's traffic
 * spike, without a database query per request. So requests only read an
 * immutable in-memory snapshot: every body, pre-rendered and
 * pre-compressed, with their ETags. The snapshot is rebuilt in the
 * background:
 *
 * - when this process changes an incident (`invalidate()`, debounced, so a
 *   burst of changes costs one rebuild);
 * - every `refreshSeconds`, so replicas pick up each other's changes. An idle
 *   refresh is one small query (`loadChangeMarker`); the page is reloaded
 *   and re-rendered only when that changed, or at least hourly, as the
 *   90-day window moves on.
 *
 * Rendering 1,000 incidents takes tens of milliseconds, so a rebuild yields
 * between its steps: requests waiting meanwhile are answered from the
 * previous snapshot.
 *
 * If the database is unreachable, the last snapshot keeps being served.
 */

export interface StatusPageOptions {
  prisma: PrismaClient;
  playbook: Playbook;
  clock: Clock;
  log: Logger;
  /** Seconds between checks for changes made elsewhere (other replicas). */
  refreshSeconds?: number;
  /** Delay that coalesces a burst of invalidations into one rebuild. */
  debounceMs?: number;
  /** Page address when the playbook has no `statusPage.url`. */
  defaultUrl?: string;
  /** Lets shutdown (and tests) wait for a rebuild that is under way. */
  track?: (work: Promise<unknown>) => void;
}

export interface StatusPage {
  routes: HttpRoutes;
  /** Something changed: rebuild soon. */
  invalidate(): void;
  /** Builds the first snapshot; throws if it cannot. Then refreshes periodically. */
  start(): Promise<void>;
  stop(): void;
}

interface Snapshot {
  /** By path: /status, /history.atom and each /api/v2 document. */
  bodies: Map<string, Representation>;
}

type Format = keyof typeof formats;

const cacheControl = "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400";

const formats = {
  html: {
    contentType: "text/html; charset=utf-8",
    cacheControl,
    extraHeaders: {
      "content-security-policy": htmlContentSecurityPolicy,
      "referrer-policy": "no-referrer",
    },
  },
  json: {
    contentType: "application/json; charset=utf-8",
    cacheControl,
    // Statuspage's API is readable from any origin; embedded widgets rely on it.
    extraHeaders: { "access-control-allow-origin": "*" },
  },
  atom: {
    contentType: "application/atom+xml; charset=utf-8",
    cacheControl,
    extraHeaders: { "access-control-allow-origin": "*" },
  },
} satisfies Record<string, RepresentationOptions>;

export function createStatusPage(options: StatusPageOptions): StatusPage {
  const { prisma, playbook, clock, log } = options;
  const refreshMs = (options.refreshSeconds ?? 5) * 1000;
  const debounceMs = options.debounceMs ?? 100;
  const track = options.track ?? (() => undefined);

  let current: Snapshot | undefined;
  let marker: string | undefined;
  let failing = false;
  let stopped = false;
  let interval: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let pending: (() => void) | undefined;
  // Rebuilds run one at a time, in order: a rebuild asked for while another
  // runs starts after it, and so reads the newer data.
  let queue: Promise<void> = Promise.resolve();

  /** What changed since the last rebuild: the database's marker, and the hour (the window moves). */
  const changeMarker = async () =>
    `${await loadChangeMarker(prisma)}|${Math.floor(clock.now().getTime() / 3_600_000)}`;

  const rebuild = async (): Promise<void> => {
    const now = clock.now();
    const markerBefore = await changeMarker();
    const rows = await loadStatusRows(
      prisma,
      new Date(now.getTime() - historyDays * 86_400_000),
    );
    await yieldToRequests();
    const data = buildStatusSnapshot(playbook, rows, now, {
      ...(options.defaultUrl ? { defaultUrl: options.defaultUrl } : {}),
    });
    await yieldToRequests();
    const documents: [path: string, format: Format, body: string][] = [["/status", "html", renderStatusHtml(data)]];
    await yieldToRequests();
    for (const [path, document] of Object.entries(renderStatusApi(data))) {
      documents.push([path, "json", JSON.stringify(document)]);
    }
    await yieldToRequests();
    documents.push(["/history.atom", "atom", renderHistoryAtom(data)]);
    const previous = current;
    const represent = async ([path, format, body]: (typeof documents)[number]) => {
      const kept = previous?.bodies.get(path);
      const representation =
        kept && kept.tag === contentTag(body) ? kept : await buildRepresentation(body, lastModifiedAfter(kept, now), formats[format]);
      return [path, representation] as const;
    };
    current = { bodies: new Map(await Promise.all(documents.map(represent))) };
    marker = markerBefore;
  };

  /** The periodic check: reload only when the marker moved. */
  const refresh = async (): Promise<void> => {
    if ((await changeMarker()) === marker) return;
    await rebuild();
  };

  const serialized = (work: () => Promise<void>): Promise<void> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    track(queue);
    return run;
  };

  const enqueue = (work: () => Promise<void>): Promise<void> =>
    serialized(work).then(
      () => {
        if (failing) log.info({}, "status page: database reachable again; snapshot rebuilt");
        failing = false;
      },
      (error: unknown) => {
        // One line when it starts failing, not one every few seconds.
        if (!failing) log.warn({ err: error }, "status page: rebuild failed; serving the last snapshot");
        failing = true;
      },
    );

  const flush = () => {
    debounce = undefined;
    const done = pending;
    pending = undefined;
    void enqueue(rebuild).then(done);
  };

  const route = (path: string) => (request: IncomingMessage, response: ServerResponse) => {
    const representation = current?.bodies.get(path);
    if (!representation) {
      response.setHeader("retry-after", "5");
      sendJson(response, 503, { error: "the status page is starting" });
      return;
    }
    sendRepresentation(request, response, representation);
  };
  const routes: HttpRoutes = {};
  const paths: readonly string[] = ["/status", "/history.atom", ...statusApiPaths];
  for (const path of paths) {
    routes[`GET ${path}`] = route(path);
    routes[`HEAD ${path}`] = route(path);
  }

  return {
    routes,
    invalidate: () => {
      if (stopped || pending) return;
      // Tracked from now, so waiting for "the bot is idle" includes this rebuild.
      track(
        new Promise<void>((resolve) => {
          pending = resolve;
        }),
      );
      debounce = setTimeout(flush, debounceMs);
    },
    start: async () => {
      await serialized(rebuild);
      if (stopped) return;
      interval = setInterval(() => void enqueue(refresh), refreshMs);
      interval.unref();
    },
    stop: () => {
      stopped = true;
      clearInterval(interval);
      clearTimeout(debounce);
      pending?.();
      pending = undefined;
    },
  };
}

/**
 * Last-Modified of new content: now, to the second, and always after the
 * previous content's, so If-Modified-Since never mistakes the two.
 */
function lastModifiedAfter(previous: Representation | undefined, now: Date): Date {
  const seconds = Math.floor(now.getTime() / 1000);
  const previousSeconds = previous ? Math.floor(previous.lastModified.getTime() / 1000) : -Infinity;
  return new Date(Math.max(seconds, previousSeconds + 1) * 1000);
}

const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));
