import type { TestBot } from "./bot.ts";
import { declareByForm } from "./scenario.ts";

/**
 * Declares through the modal (the quick path has no components or privacy)
 * and returns the incident: customer impact yes, public unless `isPrivate`.
 */
export function declareFromForm(
  bot: TestBot,
  { userId, ...form }: { title: string; severity: string; components?: string; isPrivate?: boolean; userId?: string },
) {
  return declareByForm(bot, { summary: "", components: "", customerImpact: true, isPrivate: false, ...form }, userId);
}

/** The three public documents, as a visitor gets them. */
export async function fetchStatusPage(bot: TestBot) {
  const get = async (path: string) => {
    const response = await fetch(`${bot.app.url}${path}`);
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
    return response.text();
  };
  const [html, json, atom] = await Promise.all([
    get("/status"),
    get("/api/v2/summary.json"),
    get("/history.atom"),
  ]);
  return { html, json, summary: JSON.parse(json) as Summary, atom };
}

/** The parts of the summary the tests read. */
export interface Summary {
  page: Record<string, unknown>;
  status: { indicator: string; description: string };
  components: ({ id: string; name: string; status: string } & Record<string, unknown>)[];
  incidents: ({
    id: string;
    name: string;
    status: string;
    impact: string;
    incident_updates: ({ status: string; body: string } & Record<string, unknown>)[];
    components: { id: string; status: string }[];
  } & Record<string, unknown>)[];
  scheduled_maintenances: unknown[];
}
