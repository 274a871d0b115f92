import type { App } from "@slack/bolt";
import type { FollowUpCapability } from "./capability.ts";

// PLACEHOLDER: being written (📌 reaction and message shortcuts).
export function registerCaptureInteractions(_app: App, _capability: FollowUpCapability): void {}
