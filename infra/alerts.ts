import type { SwitchyardConfig } from "@switchyard/core";

/**
 * The topic every switch is announced on (the state machine publishes; no function
 * does). With `alerts.email` in the config, that address is subscribed; AWS mails it a
 * confirmation link first. Other subscribers (chat, paging) subscribe to the topic ARN
 * in the stack's outputs.
 */
export function createAlerts(config: SwitchyardConfig): sst.aws.SnsTopic {
  const topic = new sst.aws.SnsTopic("Alerts");
  const email = config.alerts?.email;
  if (email !== undefined) {
    new aws.sns.TopicSubscription("AlertsEmail", { topic: topic.arn, protocol: "email", endpoint: email });
  }
  return topic;
}
