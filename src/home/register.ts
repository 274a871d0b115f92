import type { App } from "@slack/bolt";
import type { IncidentRepository } from "../incidents/repository.ts";
import { renderHome } from "./views.ts";

/** Publishes the Home tab whenever someone opens it. */
export function registerHome(app: App, incidents: IncidentRepository): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    await client.views.publish({
      user_id: event.user,
      view: renderHome(event.user, await incidents.listOpen()),
    });
  });
}
