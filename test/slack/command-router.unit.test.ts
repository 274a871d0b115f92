import { describe, expect, it } from "vitest";
import { CommandRegistry, defineSubcommand } from "../../src/adapters/slack/command-router.ts";

function registry() {
  const ran: string[] = [];
  const echo = defineSubcommand<{ word: string }>({
    name: "echo",
    aliases: ["say"],
    usage: "<word>",
    summary: "Repeats a word.",
    parse: (rest) =>
      rest ? { ok: true, value: { word: rest } } : { ok: false, error: "Say a word." },
    access: () => ({ kind: "none", why: "test" }),
    run: async ({ word }) => {
      ran.push(word);
    },
  });
  const declare = defineSubcommand<Record<string, never>>({
    name: "declare",
    usage: "",
    summary: "Declares.",
    parse: () => ({ ok: true, value: {} }),
    access: () => ({ kind: "none", why: "test" }),
    run: async () => undefined,
  });
  return { registry: new CommandRegistry("declare").register(echo, declare), ran };
}

describe("CommandRegistry", () => {
  it("routes by name and alias, case-insensitively", () => {
    const { registry: r } = registry();
    const byName = r.route("echo hello");
    const byAlias = r.route("SAY hello");
    expect(byName.ok && byName.subcommand.name).toBe("echo");
    expect(byAlias.ok && byAlias.args).toEqual({ word: "hello" });
  });

  it("uses the default subcommand for empty text", () => {
    const routed = registry().registry.route("   ");
    expect(routed.ok && routed.subcommand.name).toBe("declare");
  });

  it("answers an unknown subcommand with the help, escaping what was typed", () => {
    const routed = registry().registry.route("<!channel> now");
    expect(routed.ok).toBe(false);
    const text = !routed.ok ? routed.message.text : "";
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("/incident echo <word>");
  });

  it("answers bad arguments with the error and the usage line", () => {
    const routed = registry().registry.route("echo");
    expect(routed).toEqual({
      ok: false,
      message: { text: "Say a word.\nUsage: `/incident echo <word>`" },
    });
  });

  it("generates help from the registry", () => {
    const routed = registry().registry.route("help");
    const text = !routed.ok ? routed.message.text : "";
    expect(text).toContain("`/incident echo <word>` Repeats a word.");
    expect(text).toContain("`/incident declare` Declares.");
  });

  it("refuses text over the length limit", () => {
    const routed = registry().registry.route(`echo ${"x".repeat(5000)}`);
    expect(!routed.ok && routed.message.text).toContain("too long");
  });

  it("refuses duplicate registrations", () => {
    const { registry: r } = registry();
    expect(() =>
      r.register(
        defineSubcommand({
          name: "say",
          usage: "",
          summary: "",
          parse: () => ({ ok: true, value: 1 }),
          access: () => ({ kind: "none", why: "test" }),
          run: async () => undefined,
        }),
      ),
    ).toThrow(/registered twice/);
  });
});
