import { describe, expect, it } from "vitest";
import {
  formatPath,
  loadPlaybook,
  PlaybookError,
  parsePlaybook,
} from "../../src/core/config/playbook.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

describe("playbook", () => {
  it("the shipped default playbook is valid", () => {
    const book = loadPlaybook(defaultPlaybookFile);
    expect(Object.keys(book.severities).sort()).toEqual(["SEV1", "SEV2", "SEV3", "SEV4"]);
    expect(book.severities.SEV1?.updateCadenceMinutes).toBe(15);
    expect(book.severities.SEV4?.updateCadenceMinutes).toBeNull();
  });

  it("names the file and the path of each problem", () => {
    const text = `
version: 1
announcementChannel: "#incidents"
severities:
  SEV1: { description: "x", updateCadenceMinutes: -5 }
  BIG: { description: "y", updateCadenceMinutes: 5 }
roles:
  tech_lead: { label: "Tech" }
`;
    try {
      parsePlaybook(text, "team.yml");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PlaybookError);
      const message = (error as Error).message;
      expect(message).toContain("team.yml");
      expect(message).toContain("severities.SEV1.updateCadenceMinutes");
      expect(message).toContain("roles: the incident_commander role must exist");
    }
  });

  it("reports YAML syntax errors with a line", () => {
    expect(() => parsePlaybook("version: [1", "bad.yml")).toThrow(/bad\.yml[\s\S]*line/);
  });

  it("formats paths the way people read them", () => {
    expect(formatPath(["severities", "SEV1", "page", 2])).toBe("severities.SEV1.page[2]");
    expect(formatPath([])).toBe("(top level)");
  });
});
