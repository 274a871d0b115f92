/**
 * A stand-in for GitHub's REST API on loopback, for tests and `npm run demo`.
 *
 *   const github = await startGitHubEmulator();
 *   new Octokit({ auth: github.token, baseUrl: github.apiUrl }); // or github.enterpriseApiUrl
 *
 * It keeps a model of its world in `github.world` (users, repositories, labels, issues, comments)
 * and answers in GitHub's shapes, with GitHub's validation, pagination, rate-limit headers and
 * eventually consistent search (`searchIndexDelayMs`). Every request is recorded in
 * `github.calls`; `github.faults` injects outages, rate limits, delays, resets and the crash
 * window (`drop_response`: applied, then unanswered). `github.webhooks` delivers signed `issues`
 * events to a receiver, and `closeIssue`/`reopenIssue`/`editIssue` play a human on github.com.
 */
export { type ErrorBody, type ValidationErrorItem } from "./errors.ts";
export {
  type FaultEffect,
  FaultInjector,
  type FaultKind,
  type FaultScope,
  type FaultSpec,
  type InjectedFault,
} from "./faults.ts";
export type { RateLimitOptions, RateLimits } from "./rate-limits.ts";
export { type Route, routes } from "./routes.ts";
export {
  defaultToken,
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  type HumanActionOptions,
  type HumanActionResult,
  type IssueEdit,
  type RecordedCall,
  startGitHubEmulator,
} from "./server.ts";
export type {
  Issue,
  IssueComment,
  IssueSearchItem,
  Label,
  PrivateUser,
  PublicUser,
  RateLimit,
  Repository,
  SimpleUser,
  UserSearchItem,
} from "./shapes.ts";
export type { StateReason } from "./records.ts";
export type { WebhookConfig, WebhookDelivery, WebhookSender } from "./webhooks.ts";
export {
  defaultSeed,
  type IssueAction,
  type SeedData,
  type SeedIssue,
  type SeedLabel,
  type SeedRepo,
  type SeedUser,
  World,
} from "./world.ts";
