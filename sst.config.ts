/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  async app(input) {
    // The one place stages differ: production keeps its resources on removal and refuses `sst remove`.
    const production = ["prod", "production"].includes(input?.stage ?? "");
    // One stage per cluster: every named resource carries the stage, so stages share an
    // account and Region; the stage must fit those names.
    const { SST_APP_NAME, stageProblem } = await import("@switchyard/core/deploy");
    const problem = input?.stage === undefined ? null : stageProblem(input.stage);
    if (problem !== null) {
      throw new Error(`--stage: ${problem}`);
    }
    // The config decides the region, so it is read (and validated, failing with every error) first.
    const { readDeployConfig } = await import("./infra/config.ts");
    const { config } = readDeployConfig();
    return {
      name: SST_APP_NAME,
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
    const { createEvaluateAlarms, createModeSwitchAlarms } = await import("./infra/alarms.ts");
    const { createSignalAlarms } = await import("./infra/signal-alarms.ts");
    const { shellQuote } = await import("@switchyard/core");
    const { cloudWatchDashboardUrl, stepFunctionsStateMachineUrl } = await import("@switchyard/core/deploy");

    const deploy = readDeployConfig($cli.paths.root);
    const { config } = deploy;
    const context = {
      deployedConfigFile: writeDeployedConfig(deploy, $cli.paths.root, $app.stage),
      clusterArn: clusterArn(config),
    };

    const alerts = createAlerts(config);
    const steps = createStepFunctions(context);
    const stateMachine = createModeSwitchWorkflow(config, steps, alerts);
    const evaluate = createEvaluateFunction(context, stateMachine.arn);
    createTriggers(evaluate);
    createEvaluateAlarms(evaluate, alerts);
    createModeSwitchAlarms(stateMachine, alerts);
    createSignalAlarms(config, alerts);
    grantClusterAccess(config, { evaluate, ...steps });
    const dashboard = createDashboard(config);

    return {
      // `switchyard status --stage` checks .sst/outputs.json (the last deploy's, any stage) is
      // this stage's, and otherwise finds the state machine by its name (infra/workflow.ts).
      stage: $app.stage,
      config: deploy.source,
      stateMachine: stateMachine.arn,
      alertsTopic: alerts.arn,
      dashboard: dashboard.dashboardName.apply((name) => cloudWatchDashboardUrl(config.cluster.region, name)),
      executions: stateMachine.arn.apply((arn) => stepFunctionsStateMachineUrl(config.cluster.region, arn)),
      rbac: `npx switchyard rbac --config ${shellQuote(deploy.source)} | kubectl apply -f -`,
    };
  },
});
