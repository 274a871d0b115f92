import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured logs. Messages are fixed strings; variable data goes in the
 * metadata object. Anything that could carry a secret is redacted by path, so
 * a careless `log.info({ config })` still prints no token.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          "token",
          "*.token",
          "botToken",
          "*.botToken",
          "appToken",
          "*.appToken",
          "signingSecret",
          "*.signingSecret",
          "webhookSecret",
          "*.webhookSecret",
          "url",
          "*.url",
          "headers.authorization",
          "*.headers.authorization",
          "config.slack",
          "config.github",
          "config.database",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
