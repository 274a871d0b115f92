import { createHash } from "node:crypto";
import type { ComponentStatus } from "../../core/config/playbook.ts";
import {
  type ComponentView,
  componentStatusLabels,
  historyDays,
  type Impact,
  type PublicIncident,
  type PublicUpdate,
  type StatusPageData,
  statusLabels,
} from "./snapshot.ts";

/**
 * GET /status: one self-contained HTML document. No JavaScript and no
 * external resources, so it works in any browser, behind any proxy, and
 * while everything else is down. States are always written out in words;
 * colour and the icons beside them only repeat what the words say.
 */

const stateIcons: Record<ComponentStatus, string> = {
  operational: "✓",
  degraded_performance: "!",
  partial_outage: "!",
  major_outage: "✕",
};

const impactWords: Record<Impact, string> = {
  none: "No customer impact",
  minor: "Minor impact",
  major: "Major impact",
  critical: "Critical impact",
};

const css = `
:root{color-scheme:light dark;--bg:#f6f8fa;--card:#fff;--text:#1f2328;--muted:#57606a;--line:#d0d7de;
--ok:#116329;--ok-bg:#dafbe1;--minor:#7a4700;--minor-bg:#fff8c5;--major:#a0340c;--major-bg:#ffe7d6;
--critical:#a40e26;--critical-bg:#ffebe9;--link:#0550ae}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--line:#30363d;
--ok:#56d364;--ok-bg:#0f2d1a;--minor:#e3b341;--minor-bg:#2e2305;--major:#ffa657;--major-bg:#3a1d08;
--critical:#ff8182;--critical-bg:#3d0f14;--link:#79c0ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--card);padding:.5rem}
header,main,footer{max-width:48rem;margin:0 auto;padding:0 1rem}
header{padding-top:2rem}
h1{font-size:1.75rem;margin:0 0 1.25rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem}
h3{font-size:1.05rem;margin:0}
.banner{border-radius:.5rem;padding:1rem 1.25rem;border:1px solid currentColor;display:flex;gap:.75rem;align-items:center}
.banner h2{margin:0;font-size:1.25rem}
.banner p{margin:.125rem 0 0;color:var(--text);font-size:.875rem}
.icon{display:inline-flex;align-items:center;justify-content:center;width:1.75rem;height:1.75rem;border-radius:50%;
font-weight:700;flex:none;background:currentColor}
.icon span{color:var(--card)}
.level-none{color:var(--ok);background:var(--ok-bg)}
.level-minor{color:var(--minor);background:var(--minor-bg)}
.level-major{color:var(--major);background:var(--major-bg)}
.level-critical{color:var(--critical);background:var(--critical-bg)}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem}
.components{list-style:none;margin:0;padding:0}
.components li{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.75rem 1rem;border-top:1px solid var(--line)}
.components li:first-child{border-top:0}
.component-name{font-weight:600}
.component-description{display:block;color:var(--muted);font-size:.875rem}
.state{display:inline-flex;align-items:center;gap:.4rem;font-weight:600;white-space:nowrap}
.state-operational{color:var(--ok)}.state-degraded_performance{color:var(--minor)}
.state-partial_outage{color:var(--major)}.state-major_outage{color:var(--critical)}
.incident{padding:1rem 1.25rem;margin-bottom:1rem;border-left:.375rem solid var(--line)}
.incident.impact-minor{border-left-color:var(--minor)}.incident.impact-major{border-left-color:var(--major)}
.incident.impact-critical{border-left-color:var(--critical)}
.meta{color:var(--muted);font-size:.875rem;margin:.25rem 0 0}
.updates{list-style:none;margin:.75rem 0 0;padding:0}
.updates li{padding:.5rem 0;border-top:1px solid var(--line)}
.update-status{font-weight:700;margin-right:.5rem}
.body{white-space:pre-line;overflow-wrap:anywhere;margin:.25rem 0 0}
time{color:var(--muted);font-size:.875rem}
.day{margin-bottom:1rem}
.day h3{font-size:.95rem;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
.day ul{list-style:none;margin:0;padding:0}
.day li{padding:.75rem 1rem;border-top:1px solid var(--line)}
.day li:first-child{border-top:0}
.day h4{margin:0;font-size:1rem}
.empty{color:var(--muted);padding:1rem;margin:0}
footer{padding-top:1rem;padding-bottom:3rem;color:var(--muted);font-size:.875rem}
`
  .replace(/\n/g, "")
  .trim();

/** The page's one inline stylesheet, allowed by hash so the CSP can forbid everything else. */
export const htmlContentSecurityPolicy = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(css).digest("base64")}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function renderStatusHtml(data: StatusPageData): string {
  const zone = data.page.timeZone;
  const dates = dateFormats(zone);
  const when = (date: Date) =>
    `<time datetime="${date.toISOString()}">${escapeHtml(dates.time.format(date))}</time>`;
  const componentNames = new Map(data.components.map((c) => [c.id, c.name]));
  const affects = (incident: PublicIncident) =>
    incident.componentIds.length > 0
      ? ` · Affects ${escapeHtml(incident.componentIds.map((id) => componentNames.get(id)).join(", "))}`
      : "";
  const title = escapeHtml(data.page.name);

  const update = (item: PublicUpdate) =>
    `<li><p><span class="update-status">${statusLabels[item.status]}</span>${when(item.at)}</p>` +
    `<p class="body">${escapeHtml(item.body)}</p></li>`;

  const activeIncident = (incident: PublicIncident) =>
    `<article class="card incident impact-${incident.impact}" id="incident-${incident.id}" aria-labelledby="incident-${incident.id}-title">` +
    `<h3 id="incident-${incident.id}-title">${escapeHtml(incident.name)}</h3>` +
    `<p class="meta">${statusLabels[incident.status]} · ${impactWords[incident.impact]}${affects(incident)} · Started ${when(incident.startedAt)}</p>` +
    `<ol class="updates" aria-label="Updates, newest first">${incident.updates.map(update).join("")}</ol>` +
    `</article>`;

  const component = (view: ComponentView) =>
    `<li><span><span class="component-name">${escapeHtml(view.name)}</span>` +
    (view.description
      ? `<span class="component-description">${escapeHtml(view.description)}</span>`
      : "") +
    `</span><span class="state state-${view.status}"><span aria-hidden="true">${stateIcons[view.status]}</span>` +
    `<span class="visually-hidden">: </span>${componentStatusLabels[view.status]}</span></li>`;

  const pastIncident = (incident: PublicIncident) => {
    const last = incident.updates[0]!;
    return (
      `<li id="incident-${incident.id}"><h4>${escapeHtml(incident.name)}</h4>` +
      `<p class="body">${escapeHtml(last.body)}</p>` +
      `<p class="meta">${impactWords[incident.impact]}${affects(incident)} · Resolved ${when(incident.resolvedAt ?? last.at)}` +
      ` after ${duration(incident.startedAt, incident.resolvedAt ?? last.at)}</p></li>`
    );
  };

  const days = new Map<string, PublicIncident[]>();
  for (const incident of data.history) {
    const day = dates.isoDay.format(incident.startedAt);
    days.set(day, [...(days.get(day) ?? []), incident]);
  }
  const history = [...days]
    .map(
      ([day, incidents]) => {
        const label = escapeHtml(dates.day.format(incidents[0]!.startedAt));
        return (
          `<section class="card day" aria-label="${label}"><h3><time datetime="${day}">${label}</time></h3>` +
          `<ul>${incidents.map(pastIncident).join("")}</ul></section>`
        );
      },
    )
    .join("");

  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="color-scheme" content="light dark">`,
    `<title>${title}</title>`,
    `<meta name="description" content="${escapeHtml(`${data.description}. Current status, incidents and the last ${historyDays} days of history.`)}">`,
    `<link rel="alternate" type="application/atom+xml" title="${title}: incident history" href="history.atom">`,
    `<style>${css}</style></head><body>`,
    `<a class="skip" href="#main">Skip to content</a>`,
    `<header><h1>${title}</h1></header>`,
    `<main id="main">`,
    `<section class="banner level-${data.indicator}" aria-labelledby="overall"><span class="icon" aria-hidden="true"><span>${data.indicator === "none" ? "✓" : "!"}</span></span>`,
    `<div><h2 id="overall">${escapeHtml(data.description)}</h2>`,
    `<p>Last updated ${when(data.page.updatedAt)}</p></div></section>`,
    `<section aria-labelledby="active-heading"><h2 id="active-heading">Active incidents</h2>`,
    data.active.length > 0
      ? data.active.map(activeIncident).join("")
      : `<p class="card empty">No active incidents.</p>`,
    `</section>`,
    `<section aria-labelledby="components-heading"><h2 id="components-heading">Components</h2>`,
    data.components.length > 0
      ? `<ul class="card components">${data.components.map(component).join("")}</ul>`
      : `<p class="card empty">No components are listed.</p>`,
    `</section>`,
    `<section aria-labelledby="history-heading"><h2 id="history-heading">Past incidents (last ${historyDays} days)</h2>`,
    history || `<p class="card empty">No incidents in the last ${historyDays} days.</p>`,
    `</section></main>`,
    `<footer><p>Times are shown in ${escapeHtml(zone)}. `,
    `Subscribe to the <a href="history.atom">Atom feed</a>, or read the <a href="api/v2/summary.json">JSON summary</a>.</p></footer>`,
    `</body></html>`,
  ].join("");
}

/**
 * Intl formatters made once per render: with 1,000 incidents in the history,
 * formatting dates is most of the rendering time, and a reused formatter is
 * much faster than a fresh one per date.
 */
function dateFormats(timeZone: string) {
  return {
    /** 22 Nov 2026, 14:05 GMT */
    time: new Intl.DateTimeFormat("en-GB", {
      timeZone,
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    }),
    /** Sunday, 22 November 2026 */
    day: new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
    }),
    /** 2026-11-22 */
    isoDay: new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }),
  };
}

function duration(from: Date, to: Date): string {
  const minutes = Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000));
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.round(hours / 24)} days`;
}

const htmlEscapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Everything people typed goes through here. Control characters are dropped. */
export function escapeHtml(value: string): string {
  return stripControlCharacters(value).replace(/[&<>"']/g, (char) => htmlEscapes[char]!);
}

/** C0 controls other than tab, newline and carriage return are invalid in XML and useless in HTML. */
export function stripControlCharacters(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, "");
}
