import { UnknownPolicyError } from "../errors.ts";
import { type ComparedPolicy, POLICY_NAMES, type PolicyName } from "./compared-policy.ts";
import { oraclePolicy } from "./oracle-policy.ts";
import { seedReferencePolicy } from "./seed-reference-policy.ts";
import { staticCapacityPolicy, staticCostPolicy } from "./static-policies.ts";
import { switchyardPolicy } from "./switchyard-policy.ts";

const POLICIES: Readonly<Record<PolicyName, ComparedPolicy>> = {
  switchyard: switchyardPolicy,
  "seed-reference": seedReferencePolicy,
  "static-cost": staticCostPolicy,
  "static-capacity": staticCapacityPolicy,
  oracle: oraclePolicy,
};

/** The policies named, in the order given; every policy when `names` is empty. */
export function policiesNamed(names: readonly string[] = []): ComparedPolicy[] {
  const wanted = names.length === 0 ? POLICY_NAMES : names;
  return wanted.map((name) => {
    const policy = POLICIES[name as PolicyName];
    if (policy === undefined) {
      throw new UnknownPolicyError(`unknown policy "${name}"; the policies are ${POLICY_NAMES.join(", ")}`);
    }
    return policy;
  });
}
