/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  async app(input) {
    // The one place stages differ: production keeps its resources on removal and refuses `sst remove`.
    const production = ["prod", "production"].includes(input?.stage ?? "");
    // The config decides the region, so it is read (and validated, failing with every error) first.
    const { readDeployConfig } = await import("./infra/config.ts");
    const { config } = readDeployConfig();
    return {
      name: "switchyard",
      removal: production ? "retain" : "remove",
      protect: production,
      home: "aws",
      providers: { aws: { region: config.cluster.region as aws.Region } },
    };
  },
  async run() {
    const { readDeployConfig, writeDeployedConfig } = await import("./infra/config.ts");
    const { createAlerts } = await import("./infra/alerts.ts");
    const { clusterArn, grantClusterAccess } = await import("./infra/cluster-access.ts");
    const { createEvaluateFunction, createStepFunctions } = await import("./infra/controller.ts");
    const { createModeSwitchWorkflow } = await import("./infra/workflow.ts");
    const { createTriggers } = await import("./infra/triggers.ts");
    const { createDashboard } = await import("./infra/dashboard.ts");
    const { createEvaluateAlarms } = await import("./infra/alarms.ts");
    const { createSignalAlarms } = await import("./infra/signal-alarms.ts");
    const { cloudWatchDashboardUrl, stepFunctionsStateMachineUrl } = await import("@switchyard/core");

    const deploy = readDeployConfig($cli.paths.root);
    const { config } = deploy;
    const context = {
      deployedConfigFile: writeDeployedConfig(deploy, $cli.paths.root),
      clusterArn: clusterArn(config),
    };

    const alerts = createAlerts(config);
    const steps = createStepFunctions(context);
    const stateMachine = createModeSwitchWorkflow(config, steps, alerts);
    const evaluate = createEvaluateFunction(context, stateMachine.arn);
    createTriggers(evaluate);
    createEvaluateAlarms(evaluate, alerts);
    createSignalAlarms(alerts);
    grantClusterAccess(config, { evaluate, ...steps });
    const dashboard = createDashboard(config);

    return {
      // `switchyard status --stage` checks .sst/outputs.json (the last deploy's, any stage) is this stage's.
      stage: $app.stage,
      config: deploy.source,
      stateMachine: stateMachine.arn,
      alertsTopic: alerts.arn,
      dashboard: dashboard.dashboardName.apply((name) => cloudWatchDashboardUrl(config.cluster.region, name)),
      executions: stateMachine.arn.apply((arn) => stepFunctionsStateMachineUrl(config.cluster.region, arn)),
      rbac: `npx switchyard rbac --config ${deploy.source} | kubectl apply -f -`,
    };
  },
});
