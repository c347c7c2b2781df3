// The EC2 SDK, imported by functions/evaluate.ts only when a Spot warning names an
// instance: in the split bundle this module and the SDK it re-exports are a chunk of
// their own, which a minute's evaluation never loads. Named exports, so the chunk holds
// the one command, not the whole client.
export { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
