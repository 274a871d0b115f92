import { fileURLToPath } from "node:url";

export const defaultPlaybookFile = fileURLToPath(new URL("../../playbook.yml", import.meta.url));
