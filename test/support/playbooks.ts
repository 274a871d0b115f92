import { type Playbook, loadPlaybook } from "../../src/core/config/playbook.ts";
import { defaultPlaybookFile } from "./paths.ts";

/**
 * The default playbook without paging, checklists or notice deadlines: for
 * suites about something else (declaring, updates, reminders), so that the
 * flowchart's own messages do not crowd what they count.
 */
export function quietPlaybook(): Playbook {
  const book = loadPlaybook(defaultPlaybookFile);
  return {
    ...book,
    severities: Object.fromEntries(
      Object.entries(book.severities).map(([id, severity]) => [
        id,
        { ...severity, page: [], customerNoticeRequired: false },
      ]),
    ),
    checklists: {},
  };
}
