import { describe, expect, it } from "vitest";
import { parseComponents, validateTitle } from "../../src/domain/incidents/rules.ts";
import { withoutControlCharacters } from "../../src/core/text.ts";
import { truncate } from "../../src/adapters/slack/escape.ts";

/** Found by the fuzz benchmark (bench/fuzz.ts): each of these once failed after the ack. */
describe("text people type", () => {
  it("loses NUL and other control characters, keeping tabs and newlines", () => {
    expect(withoutControlCharacters("a\u0000b\u0007c\td\ne\u001bf\u007f")).toBe("abc\td\nef");
    expect(validateTitle("Checkout\u0000 down")).toEqual({ ok: true, value: "Checkout down" });
    expect(parseComponents("api\u0000, web")).toEqual({ ok: true, value: ["api", "web"] });
  });

  it("is truncated to Slack's limit counted in UTF-16 units, never splitting an emoji", () => {
    const title = `${"🔥".repeat(100)}`;
    const cut = truncate(title, 150);
    expect(cut.length).toBeLessThanOrEqual(150);
    expect(cut.endsWith("🔥…")).toBe(true);
    expect(truncate("short", 150)).toBe("short");
  });
});
