/** GitHub's error bodies: `message`, `documentation_url`, and (since 2024) `status` as a string. */

export const docs = {
  root: "https://docs.github.com/rest",
  getAuthenticatedUser: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
  getUser: "https://docs.github.com/rest/users/users#get-a-user",
  getRepo: "https://docs.github.com/rest/repos/repos#get-a-repository",
  listIssues: "https://docs.github.com/rest/issues/issues#list-repository-issues",
  createIssue: "https://docs.github.com/rest/issues/issues#create-an-issue",
  getIssue: "https://docs.github.com/rest/issues/issues#get-an-issue",
  updateIssue: "https://docs.github.com/rest/issues/issues#update-an-issue",
  listComments: "https://docs.github.com/rest/issues/comments#list-issue-comments",
  createComment: "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
  addLabels: "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue",
  listLabels: "https://docs.github.com/rest/issues/labels#list-labels-for-a-repository",
  createLabel: "https://docs.github.com/rest/issues/labels#create-a-label",
  getLabel: "https://docs.github.com/rest/issues/labels#get-a-label",
  checkAssignee: "https://docs.github.com/rest/issues/assignees#check-if-a-user-can-be-assigned",
  searchIssues: "https://docs.github.com/rest/search/search#search-issues-and-pull-requests",
  searchUsers: "https://docs.github.com/rest/search/search#search-users",
  rateLimit:
    "https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user",
  primaryRateLimit:
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit",
  secondaryRateLimit:
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
  issues: "https://docs.github.com/v3/issues/",
} as const;

export type ValidationErrorItem = {
  resource: string;
  field?: string;
  code: "missing" | "missing_field" | "invalid" | "already_exists" | "unprocessable" | "custom";
  value?: string | number | null;
  message?: string;
};

export type ErrorBody = {
  message: string;
  documentation_url: string;
  status: string;
  errors?: ValidationErrorItem[];
};

/** Thrown by a route to answer with an error; the server turns it into the HTTP answer. */
export class ApiError extends Error {
  readonly body: ErrorBody;

  constructor(
    readonly status: number,
    message: string,
    documentationUrl: string = docs.root,
    errors?: ValidationErrorItem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.body = {
      message,
      documentation_url: documentationUrl,
      status: String(status),
      ...(errors ? { errors } : {}),
    };
  }
}

export function notFound(documentationUrl: string = docs.root): ApiError {
  return new ApiError(404, "Not Found", documentationUrl);
}

/** 422 from a semantic check: the body parsed and typed fine, but a value is refused. */
export function validationFailed(
  errors: ValidationErrorItem[],
  documentationUrl: string,
): ApiError {
  return new ApiError(422, "Validation Failed", documentationUrl, errors);
}

/** 422 from GitHub's JSON-schema check of the request: a missing or mistyped parameter. */
export function invalidRequest(detail: string, documentationUrl: string): ApiError {
  return new ApiError(422, `Invalid request.\n\n${detail}`, documentationUrl);
}
