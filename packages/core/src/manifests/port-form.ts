/**
 * A servicePort as the AWS Load Balancer Controller reads it: `intstr.Parse` of its
 * string, so `"80"` is the number 80 and `"http"` stays a name
 * (kubernetes-sigs/aws-load-balancer-controller v3.5.0 pkg/ingress/enhanced_backend_builder.go
 * `normalizeServicePortForBackwardsCompatibility`).
 */
export function normalizedPort(port: number | string): number | string {
  return typeof port === "string" && /^-?\d+$/.test(port) ? Number(port) : port;
}

/**
 * The servicePort to write for a Service, so that the target group stays the one the
 * Ingress already has. The controller names a target group's resource
 * `<namespace>/<ingress>-<service>:<port.String()>` (pkg/ingress/model_build_target_group.go
 * `buildTargetGroupResourceID`, v3.5.0 l.519-521) and hashes the same string into its
 * name: the port 80 and the name `http` of one Service port make two target groups, and a
 * write that changes the form makes the controller create a new, empty target group and
 * delete the one in use (pkg/deploy/elbv2/target_group_synthesizer.go).
 *
 * So: the config's port when the Ingress already names the Service by it (or does not
 * name the Service at all); otherwise the one port the Ingress names it by in the other
 * form — a name where the config has a number, or a number where it has a name, both
 * taken to be the same Service port. A port of the same form that differs is another
 * port, and the config's stays.
 */
export function portToWrite(
  service: string,
  configPort: number | string,
  named: ReadonlyMap<string, readonly (number | string)[]>,
): number | string {
  const port = normalizedPort(configPort);
  const used = named.get(service) ?? [];
  if (used.length === 0 || used.includes(port)) {
    return port;
  }
  const otherForm = used.filter((p) => typeof p !== typeof port);
  return otherForm.length === 1 ? (otherForm[0] as number | string) : port;
}
