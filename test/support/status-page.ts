import { callbackIds, declareBlockIds } from "../../src/capabilities/incidents/views.ts";
import type { TestBot } from "./bot.ts";

/** Declares through the modal (the quick path has no components or privacy) and returns the incident. */
export async function declareFromForm(
  bot: TestBot,
  form: {
    title: string;
    severity: string;
    components?: string;
    isPrivate?: boolean;
    userId?: string;
  },
) {
  const text = (value: string) => ({ value: { type: "plain_text_input", value } });
  const option = (value: string) => ({
    value: { type: "static_select", selected_option: { value } },
  });
  await bot.send.viewSubmission(
    {
      callback_id: callbackIds.declare,
      values: {
        [declareBlockIds.title]: text(form.title),
        [declareBlockIds.severity]: option(form.severity),
        [declareBlockIds.summary]: text(""),
        [declareBlockIds.components]: text(form.components ?? ""),
        [declareBlockIds.customerImpact]: option("yes"),
        [declareBlockIds.visibility]: option(form.isPrivate ? "yes" : "no"),
      },
    },
    form.userId ?? "U0ALICE",
  );
  await bot.settle();
  return bot.app.db.prisma.incident.findFirstOrThrow({ where: { title: form.title } });
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
