/**
 * The annotations without the standby rule's (core's `standbyActions`): ScaleReceivers adds
 * `actions.<action>-standby-<n>` and `conditions.<action>-standby-<n>` before anything else
 * of a switch, and a rollback leaves them, since they carry no traffic and keep both modes'
 * target groups registered.
 */
export function withoutStandby(annotations: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).filter(([key]) => !/-standby-\d+$/.test(key)));
}
