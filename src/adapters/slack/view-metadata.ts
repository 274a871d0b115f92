import { createHmac, timingSafeEqual } from "node:crypto";
import type { View } from "@slack/types";

/**
 * A modal's `private_metadata` says what the form is about (an incident id, a
 * notice phase, a message's permalink). It comes back with the submission, so
 * it is sealed when the modal is opened: the fields, the person it was opened
 * for (`_by`) and an HMAC over both (`_mac`). A submission whose metadata was
 * forged, taken from another incident's form, or opened for someone else
 * reads as nothing, and the router refuses it before any handler runs.
 *
 * The sealed form stays JSON with the original fields, so a person (or a
 * test) reading the view sees what it is about.
 */

const macField = "_mac";
const byField = "_by";

export interface MetadataSeal {
  seal(view: View, userId: string): View;
  /** The sealed fields, or undefined when the seal is missing, broken or for someone else. */
  open(raw: string | undefined, userId: string): Record<string, string> | undefined;
}

export function createMetadataSeal(secret: string): MetadataSeal {
  const mac = (fields: Record<string, string>, userId: string) =>
    createHmac("sha256", `view-metadata:${secret}`).update(canonical({ ...fields, [byField]: userId })).digest("hex");

  return {
    seal(view, userId) {
      const fields = readStringFields(view.private_metadata);
      const sealed = { ...fields, [byField]: userId, [macField]: mac(fields, userId) };
      return { ...view, private_metadata: JSON.stringify(sealed) };
    },
    open(raw, userId) {
      const parsed = readStringFields(raw);
      const { [macField]: given, [byField]: by, ...fields } = parsed;
      if (!given || by !== userId) return undefined;
      const expected = Buffer.from(mac(fields, userId), "hex");
      const actual = Buffer.from(given, "hex");
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
      return fields;
    },
  };
}

/** Only string fields: anything else a payload may carry is ignored. */
function readStringFields(raw: string | undefined): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw || "{}");
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === "string") fields[key] = value;
  }
  return fields;
}

function canonical(fields: Record<string, string>): string {
  return JSON.stringify(Object.keys(fields).sort().map((key) => [key, fields[key]]));
}
