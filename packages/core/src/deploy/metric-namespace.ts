/**
 * The CloudWatch namespace of Switchyard's own metrics: the evaluate function's EMF
 * metrics and the recorded capacity errors. The IAM condition on PutMetricData and the
 * dashboard name it from here.
 */
export const SWITCHYARD_METRIC_NAMESPACE = "Switchyard";
