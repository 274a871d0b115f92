import { describe, expect, it } from "vitest";
import {
  channelNameFor,
  parseComponents,
  parseIncidentReference,
  parseSeverity,
  validateTitle,
} from "../../src/domain/incidents/rules.ts";

const severities = ["SEV1", "SEV2", "SEV3", "SEV4"];

describe("parseSeverity", () => {
  it("accepts the forms people type", () => {
    expect(parseSeverity("sev2", severities)).toEqual({ ok: true, value: "SEV2" });
    expect(parseSeverity("SEV1", severities)).toEqual({ ok: true, value: "SEV1" });
    expect(parseSeverity("3", severities)).toEqual({ ok: true, value: "SEV3" });
  });

  it("names the valid choices when the severity is unknown", () => {
    const result = parseSeverity("sev9", severities);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("SEV1, SEV2, SEV3, SEV4");
  });
});

describe("validateTitle", () => {
  it("collapses whitespace", () => {
    expect(validateTitle("  Checkout   down \n")).toEqual({ ok: true, value: "Checkout down" });
  });
  it("rejects empty and overlong titles", () => {
    expect(validateTitle("   ").ok).toBe(false);
    expect(validateTitle("x".repeat(151)).ok).toBe(false);
    expect(validateTitle("x".repeat(150)).ok).toBe(true);
  });
});

describe("channelNameFor", () => {
  it("builds inc-<number>-<slug> from the title", () => {
    expect(channelNameFor(42, "Checkout API returning 500s!")).toBe(
      "inc-42-checkout-api-returning-500s",
    );
  });

  it("keeps only what Slack allows and strips accents", () => {
    expect(channelNameFor(7, "Paiement échoué <!channel> @here")).toBe(
      "inc-7-paiement-echoue-channel-here",
    );
  });

  it("stays within 80 characters, suffix included", () => {
    const name = channelNameFor(123456, "a very long title ".repeat(10), 3);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^inc-123456-[a-z0-9-]+-3$/);
    expect(name).not.toMatch(/--/);
  });

  it("falls back to the number alone when the title has no usable characters", () => {
    expect(channelNameFor(5, "🔥🔥")).toBe("inc-5");
    expect(channelNameFor(5, "🔥🔥", 2)).toBe("inc-5-2");
  });
});

describe("parseComponents", () => {
  it("splits, trims and deduplicates", () => {
    expect(parseComponents("API, Checkout,API\n Web ")).toEqual({
      ok: true,
      value: ["API", "Checkout", "Web"],
    });
  });
  it("rejects too many", () => {
    expect(parseComponents(Array.from({ length: 21 }, (_, i) => `c${i}`).join(",")).ok).toBe(false);
  });
});

describe("parseIncidentReference", () => {
  it("reads INC-42, inc-42 and 42", () => {
    expect(parseIncidentReference("INC-42")).toBe(42);
    expect(parseIncidentReference("inc-42")).toBe(42);
    expect(parseIncidentReference("42")).toBe(42);
    expect(parseIncidentReference("INC-")).toBeUndefined();
    expect(parseIncidentReference("42abc")).toBeUndefined();
  });
});
