import type { PolicyStatement } from "@switchyard/core/deploy";

/** One request as IAM authorizes it: the action, the resource ARN (or `*`) and the request's condition keys. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

/** IAM's ARN matching: `*` any run of characters, `?` one character, everything else literal. */
function arnMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${regex}$`).test(arn);
}

/**
 * Whether identity-policy statements (all Allow, as Switchyard writes them) allow a
 * request: an action named exactly (case-insensitive, as IAM compares actions), a
 * resource matching one of the statement's ARNs, and every condition met. Only
 * StringEquals is understood; a missing condition key fails the condition, as in IAM.
 */
export function isAllowed(statements: readonly PolicyStatement<string>[], request: IamRequest): boolean {
  return statements.some(
    (statement) =>
      statement.actions.some((action) => action.toLowerCase() === request.action.toLowerCase()) &&
      statement.resources.some((resource) => arnMatches(resource, request.resource)) &&
      (statement.conditions ?? []).every((condition) => {
        if (condition.test !== "StringEquals") {
          throw new Error(`the test evaluator does not implement ${condition.test}`);
        }
        const value = request.context?.[condition.variable];
        return value !== undefined && condition.values.includes(value);
      }),
  );
}
