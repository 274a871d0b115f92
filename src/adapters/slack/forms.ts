import type { InputBlock, InputBlockElement, KnownBlock, View } from "@slack/types";

/**
 * Building the bot's modal forms. Every input carries the action id
 * `inputActionId`, which is where `formFields` (payload.ts) reads it back.
 */

export const inputActionId = "value";

type WithoutActionId<T> = T extends unknown ? Omit<T, "action_id"> : never;

/** One input of a form; `blockId` is what the submission is read by. */
export function input(definition: {
  blockId: string;
  label: string;
  element: WithoutActionId<InputBlockElement>;
  optional?: boolean;
  hint?: string;
}): InputBlock {
  const { blockId, label, element, optional, hint } = definition;
  return {
    type: "input",
    block_id: blockId,
    ...(optional ? { optional: true } : {}),
    label: { type: "plain_text", text: label },
    ...(hint ? { hint: { type: "plain_text", text: hint } } : {}),
    element: { ...element, action_id: inputActionId } as InputBlockElement,
  };
}

/**
 * A modal form with Cancel. `privateMetadata` says what it is about; the
 * router seals it for the person it is opened for (view-metadata.ts).
 */
export function formModal(definition: {
  callbackId: string;
  privateMetadata: string;
  title: string;
  submit: string;
  blocks: KnownBlock[];
}): View {
  return {
    type: "modal",
    callback_id: definition.callbackId,
    private_metadata: definition.privateMetadata,
    title: { type: "plain_text", text: definition.title },
    submit: { type: "plain_text", text: definition.submit },
    close: { type: "plain_text", text: "Cancel" },
    blocks: definition.blocks,
  };
}
