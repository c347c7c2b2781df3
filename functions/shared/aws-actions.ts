/** An adapter class that declares, next to its code, the IAM actions it calls. */
interface DeclaresIamActions {
  readonly iamActions: readonly string[];
}

/** Every IAM action a handler's adapters call: the handler's least-privilege declaration. */
export function awsActionsOf(adapters: readonly DeclaresIamActions[]): string[] {
  return [...new Set(adapters.flatMap((adapter) => adapter.iamActions))].sort();
}
