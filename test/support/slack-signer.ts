// The signer lives in src/ because `npm run demo` drives the bot with it too.
export * from "../../tools/emulators/slack/signed-requests.ts";
