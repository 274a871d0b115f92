import type { IssueRecord, UserRecord } from "./records.ts";

/**
 * GitHub's search syntax, as much of it as the bot can meet: qualifiers, quoted phrases, `-`
 * negation and OR. Text is matched the way a search index does, on words rather than characters:
 * `"incident-bot:item:12"` matches a body holding `<!-- incident-bot:item:12 -->` but not one
 * holding `incident-bot:item:123`, and it also matches `incident bot item 12`. So a bot that
 * finds an issue by marker must still check the marker in the returned body.
 */

export type Qualifier = { key: string; value: string; negated: boolean };
export type Phrase = { words: string[]; negated: boolean };

export type ParsedQuery = {
  qualifiers: Qualifier[];
  /** Alternatives separated by OR; each is a list of phrases that must all match. */
  alternatives: Phrase[][];
  /** AND / OR / NOT count: GitHub refuses more than five. */
  operators: number;
};

const issueQualifiers = new Set([
  "repo",
  "user",
  "org",
  "is",
  "type",
  "state",
  "in",
  "label",
  "author",
  "assignee",
  "no",
  "reason",
]);

const userQualifiers = new Set(["in", "type"]);

/** Lower-cased words, split on anything that is not a letter or a digit. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function parseQuery(q: string, known: ReadonlySet<string>): ParsedQuery {
  const parsed: ParsedQuery = { qualifiers: [], alternatives: [[]], operators: 0 };
  const tokenPattern = /(-?)([A-Za-z_]+):("[^"]*"?|\S+)|(-?)"([^"]*)"?|(\S+)/g;
  let negateNext = false;
  for (const match of q.matchAll(tokenPattern)) {
    const [whole, qualifierNegation, key, rawValue, phraseNegation, quoted, bare] = match;
    if (key !== undefined && rawValue !== undefined && known.has(key.toLowerCase())) {
      parsed.qualifiers.push({
        key: key.toLowerCase(),
        value: rawValue.replace(/^"|"$/g, ""),
        negated: qualifierNegation === "-" || negateNext,
      });
      negateNext = false;
      continue;
    }
    if (bare === "AND" || bare === "OR" || bare === "NOT") {
      parsed.operators += 1;
      if (bare === "OR") parsed.alternatives.push([]);
      if (bare === "NOT") negateNext = true;
      continue;
    }
    const text = quoted ?? whole;
    const negated = phraseNegation === "-" || (bare?.startsWith("-") ?? false) || negateNext;
    negateNext = false;
    const phraseWords = words(text);
    if (phraseWords.length > 0) parsed.alternatives.at(-1)?.push({ words: phraseWords, negated });
  }
  parsed.alternatives = parsed.alternatives.filter(
    (group, index) => index === 0 || group.length > 0,
  );
  return parsed;
}

export function parseIssueQuery(q: string): ParsedQuery {
  return parseQuery(q, issueQualifiers);
}

export function parseUserQuery(q: string): ParsedQuery {
  return parseQuery(q, userQualifiers);
}

export function containsPhrase(haystack: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0) return true;
  outer: for (let start = 0; start + phrase.length <= haystack.length; start++) {
    for (let offset = 0; offset < phrase.length; offset++) {
      if (haystack[start + offset] !== phrase[offset]) continue outer;
    }
    return true;
  }
  return false;
}

function textMatches(alternatives: Phrase[][], fields: readonly string[][]): boolean {
  return alternatives.some((phrases) =>
    phrases.every(
      (phrase) => fields.some((field) => containsPhrase(field, phrase.words)) !== phrase.negated,
    ),
  );
}

function values(query: ParsedQuery, key: string, negated = false): string[] {
  return query.qualifiers
    .filter((qualifier) => qualifier.key === key && qualifier.negated === negated)
    .map((qualifier) => qualifier.value.toLowerCase());
}

/** Whether the query names the kind of result, which GitHub has required since 2025. */
export function namesResultType(query: ParsedQuery): boolean {
  return query.qualifiers.some(
    (qualifier) =>
      (qualifier.key === "is" || qualifier.key === "type") &&
      ["issue", "pr", "pull-request"].includes(qualifier.value.toLowerCase()),
  );
}

export function issueMatches(issue: IssueRecord, query: ParsedQuery): boolean {
  const { repo } = issue;
  const repos = values(query, "repo");
  if (repos.length > 0 && !repos.includes(repo.fullName.toLowerCase())) return false;
  const owners = [...values(query, "user"), ...values(query, "org")];
  if (owners.length > 0 && !owners.includes(repo.owner.login.toLowerCase())) return false;

  const kinds = [...values(query, "is"), ...values(query, "type")];
  // The emulator holds no pull requests, so a search for them alone finds nothing.
  if (kinds.some((kind) => kind === "pr" || kind === "pull-request") && !kinds.includes("issue")) {
    return false;
  }
  const states = [
    ...values(query, "state"),
    ...kinds.filter((k) => k === "open" || k === "closed"),
  ];
  if (states.length > 0 && !states.includes(issue.state)) return false;
  if ([...values(query, "state", true), ...values(query, "is", true)].includes(issue.state)) {
    return false;
  }
  const reasons = values(query, "reason").map((reason) => reason.replace(/[\s-]+/g, "_"));
  if (reasons.length > 0 && !reasons.includes(issue.stateReason ?? "")) return false;

  const labelNames = issue.labels.map((label) => label.name.toLowerCase());
  if (!values(query, "label").every((label) => labelNames.includes(label))) return false;
  if (values(query, "label", true).some((label) => labelNames.includes(label))) return false;
  const authors = values(query, "author");
  if (authors.length > 0 && !authors.includes(issue.author.login.toLowerCase())) return false;
  const assigneeLogins = issue.assignees.map((user) => user.login.toLowerCase());
  if (!values(query, "assignee").every((login) => assigneeLogins.includes(login))) return false;
  const missing = values(query, "no");
  if (missing.includes("assignee") && issue.assignees.length > 0) return false;
  if (missing.includes("label") && issue.labels.length > 0) return false;

  const scopes = new Set(values(query, "in"));
  const searchAll = scopes.size === 0;
  const fields: string[][] = [];
  if (searchAll || scopes.has("title")) fields.push(words(issue.title));
  if (searchAll || scopes.has("body")) fields.push(words(issue.body ?? ""));
  if (searchAll || scopes.has("comments")) {
    for (const comment of issue.comments) fields.push(words(comment.body));
  }
  return textMatches(query.alternatives, fields);
}

/** GitHub only finds users by a public email, and only searches the fields `in:` names. */
export function userMatches(user: UserRecord, query: ParsedQuery): boolean {
  const types = values(query, "type");
  if (types.includes("user") && user.type === "Organization") return false;
  if (types.includes("org") && user.type !== "Organization") return false;
  const scopes = new Set(values(query, "in"));
  const searchAll = scopes.size === 0;
  const fields: string[][] = [];
  if (searchAll || scopes.has("login")) fields.push(words(user.login));
  if ((searchAll || scopes.has("name")) && user.name) fields.push(words(user.name));
  // An email matches as a whole: `bob@example.com` must not find `jimbob@example.com`.
  const email =
    (searchAll || scopes.has("email")) && user.email ? words(user.email).join(" ") : undefined;
  return query.alternatives.some((phrases) =>
    phrases.every((phrase) => {
      const found =
        (email !== undefined && phrase.words.join(" ") === email) ||
        fields.some((field) => containsPhrase(field, phrase.words));
      return found !== phrase.negated;
    }),
  );
}

export function hasSearchText(query: ParsedQuery): boolean {
  return query.alternatives.some((phrases) => phrases.length > 0);
}
