import { secretSettings } from "./env.ts";

/**
 * The last line of defence for text printed at startup, when the logger may
 * not exist yet and an error from a library (a URL parser, a driver) may quote
 * its input: every secret setting's value, and the password inside a
 * URL-valued one (as written and percent-decoded), is replaced. Values shorter
 * than 4 characters are left alone, since replacing them would garble the
 * message without hiding anything worth hiding.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const secrets = new Set<string>();
  for (const name of secretSettings) {
    const value = env[name]?.trim();
    if (!value) continue;
    secrets.add(value);
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@]*)@/i.exec(value)?.[1];
    if (password) {
      secrets.add(password);
      secrets.add(safeDecode(password));
    }
  }
  let redacted = text;
  // Longest first, so a URL is replaced whole before its password is.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) redacted = redacted.split(secret).join("[redacted]");
  }
  return redacted;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
