/**
 * The AWS partition of a region, for ARNs built from the config alone (the ASL's
 * service-integration resources). Regions outside China and GovCloud are in `aws`.
 */
export function partitionOf(region: string): "aws" | "aws-cn" | "aws-us-gov" {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
