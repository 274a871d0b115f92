import { isUuid } from "../../domain/incidents/repository.ts";
import { inputActionId } from "./forms.ts";

/**
 * Typed readers for what Slack sends with a button press or a form
 * submission. Everything in a payload may be missing or forged, so each
 * reader checks the type and gives `undefined` (or an empty list) rather
 * than trusting a cast; handlers read payloads only through here.
 */

/** The first action of a button press, select or picker, as the router hands it to a handler. */
export interface ActionPayload {
  actionId: string;
  /** The button's value, as sent. */
  value: string | undefined;
  /**
   * The value as a record id: every button of the bot carries the id of an
   * incident, page, notice or action item, so a value that is not a UUID
   * names nothing (and is never sent to the database).
   */
  id: string | undefined;
  blockId: string | undefined;
  selectedOptions: string[];
  selectedUser: string | undefined;
}

/** A form's `view.state.values`: block id → action id → the element's state. */
export type ViewValues = Record<string, Record<string, unknown>>;

/** Per-block error messages, shown by Slack under each input. */
export type FieldErrors = Record<string, string>;

export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The values of `selected_options` (checkboxes, multi-selects). */
function optionValues(options: unknown): string[] {
  return (Array.isArray(options) ? (options as unknown[]) : [])
    .map((option) => stringOf((option as { value?: unknown } | null)?.value))
    .filter((value): value is string => value !== undefined);
}

/** Reads the first action of an interaction payload (`body.actions[0]`). */
export function readAction(payload: { actions?: unknown }, actionId: string): ActionPayload {
  const first = (Array.isArray(payload.actions) ? payload.actions[0] : undefined) as Record<string, unknown> | undefined;
  const value = stringOf(first?.value);
  return {
    actionId,
    value,
    id: isUuid(value) ? value : undefined,
    blockId: stringOf(first?.block_id),
    selectedOptions: optionValues(first?.selected_options),
    // A user id, or nothing: it is stored and posted as a mention.
    selectedUser: /^[UW][A-Z0-9]{2,}$/.test(stringOf(first?.selected_user) ?? "") ? stringOf(first?.selected_user) : undefined,
  };
}

/**
 * Reads a submitted form's inputs by block id (each built with `input`,
 * forms.ts). Empty and missing read the same: `undefined`.
 */
export function formFields(values: ViewValues) {
  const field = (block: string) => values[block]?.[inputActionId] as Record<string, unknown> | null | undefined;
  return {
    /** A text input. */
    text: (block: string) => stringOf(field(block)?.value),
    /** The chosen option of a static select or radio buttons. */
    selected: (block: string) => stringOf((field(block)?.selected_option as { value?: unknown } | null | undefined)?.value),
    /** The chosen options of checkboxes or a multi-select. */
    selectedValues: (block: string) => optionValues(field(block)?.selected_options),
    /** A users_select. */
    user: (block: string) => stringOf(field(block)?.selected_user),
    /** A datepicker, as YYYY-MM-DD (unchecked). */
    date: (block: string) => stringOf(field(block)?.selected_date),
  };
}
