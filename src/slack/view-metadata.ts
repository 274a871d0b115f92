/**
 * Reads a modal's `private_metadata` back. The bot wrote it as JSON, but the
 * submission comes from outside: a stale or forged view may carry anything,
 * so only string fields are taken, and anything unreadable reads as empty.
 */
export function readViewMetadata<Key extends string>(
  raw: string | undefined,
  keys: readonly Key[],
): Partial<Record<Key, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw || "{}");
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) return {};
  const fields: Partial<Record<Key, string>> = {};
  for (const key of keys) {
    const value = (parsed as Record<string, unknown>)[key];
    if (typeof value === "string") fields[key] = value;
  }
  return fields;
}
