// appgen on Azure: one resource group, everything pay-per-use where Azure offers it.
//
//   storage (blob + queues, no shared keys) ── managed identity (least-privilege roles, roles.bicep)
//   Function App (Flex Consumption, runtime custom) ── Azure OpenAI (Entra ID only)
//   Static Web App (Standard, /api linked to the Function App) ── Log Analytics + App Insights
//   Container Apps environment + event-triggered build job (KEDA azure-queue on step-build) ── ACR
//
// Deploy with infra/deploy.sh (it also uploads the code, the job image and the web UI).
//
// PREVIEW HOSTING: the Function App serves built versions at /p/{thread}/{n}/{token}/ on its
// own host (https://<func>.azurewebsites.net), which is a different origin -- and a different
// registrable site, since azurewebsites.net and azurestaticapps.net are both public suffixes --
// from the web UI on the Static Web App, where the user's session cookie lives. Chosen over a
// storage static website because:
//   * a static website cannot set response headers, and the preview needs them: the handler
//     (functions/handler/src/preview.rs) sends a strict Content-Security-Policy,
//     `X-Content-Type-Options: nosniff` and never `Set-Cookie`; with the CSP `sandbox` directive
//     (checked by infra/tests/test_preview_headers.py) a preview opened outside its iframe also
//     runs in an opaque origin. Fronting a static website with Front Door to add headers would
//     add a fixed monthly fee, which this deployment avoids;
//   * previews stay private: artifacts are read with the managed identity and each URL carries
//     an HMAC token (APPGEN_PREVIEW_SECRET); a static website would make every artifact public;
//   * nothing extra to deploy or pay for.
// This template adds what it can at the platform level: clientAffinityEnabled=false (no
// ARRAffinity cookie on preview responses) and httpsOnly; CORS is the handler's (the web
// origin on /api from APPGEN_WEB_ORIGIN, any origin on /data), not the platform's.
// Linking the Static Web App locks the Function App's host to the SWA proxy (App Service auth,
// 401 otherwise); infra/deploy.sh then excludes exactly `/p/` from that lock (authsettingsV2
// globalValidation.excludedPaths, read-modify-write so the link's provider is kept).

targetScope = 'resourceGroup'

@description('Short name of this environment (2-12 lowercase letters and digits), used in every resource name.')
@minLength(2)
@maxLength(12)
param environmentName string

@description('Region of every resource except the Static Web App (must offer Flex Consumption and Container Apps).')
param location string = resourceGroup().location

@description('Region of the Static Web App (offered in a few regions only).')
@allowed([
  'westus2'
  'centralus'
  'eastus2'
  'westeurope'
  'eastasia'
])
param staticWebAppLocation string = 'eastus2'

@description('Region of the Azure OpenAI account (model availability differs by region).')
param openAiLocation string = location

@description('Deployment name of the fast model (APPGEN_MODEL_FAST).')
param fastModelDeploymentName string = 'fast'

@description('Model behind the fast deployment.')
param fastModelName string = 'gpt-4.1-mini'

@description('Version of the fast model.')
param fastModelVersion string = '2025-04-14'

@description('Capacity of the fast deployment, in thousands of tokens per minute.')
@minValue(1)
param fastModelCapacity int = 50

@description('Deployment name of the strong model (APPGEN_MODEL_STRONG).')
param strongModelDeploymentName string = 'strong'

@description('Model behind the strong deployment.')
param strongModelName string = 'gpt-4.1'

@description('Version of the strong model.')
param strongModelVersion string = '2025-04-14'

@description('Capacity of the strong deployment, in thousands of tokens per minute.')
@minValue(1)
param strongModelCapacity int = 50

@description('SKU of both model deployments (GlobalStandard is pay-per-token).')
@allowed([
  'GlobalStandard'
  'Standard'
  'DataZoneStandard'
])
param modelSkuName string = 'GlobalStandard'

@description('Azure OpenAI data-plane API version (AZURE_OPENAI_API_VERSION).')
param openAiApiVersion string = '2024-10-21'

@description('Image of the build job (<registry>/appgen-builder:<tag>); empty on the first deployment, before deploy.sh has pushed one.')
param builderImage string = ''

@description('HMAC key that signs preview URLs (APPGEN_PREVIEW_SECRET). deploy.sh keeps the existing one or generates one; it is never output.')
@secure()
param previewSecret string

@description('Wildcard domain of published apps (APPGEN_APPS_DOMAIN): each app is served by the Function App at https://{slug}.<appsDomain>. Empty: publishing gives no public URL. DNS first: a wildcard CNAME *.<appsDomain> to the Function App\'s default host and an asuid.<appsDomain> TXT record with its custom domain verification id (bicep/README.md).')
param appsDomain string = ''

@description('Thumbprint of a certificate for *.<appsDomain> already in the Function App\'s resource group (App Service managed certificates do not cover wildcards). Empty: the binding is made without TLS.')
param appsCertificateThumbprint string = ''

@description('Most instances the Function App may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// ---- latency/cost knobs: infra/cloud/inputs.json names three profiles (cheapest, balanced,
// fastest) that set these; `deploy.sh --profile NAME` passes them; docs/cloud-model.md gives
// each one's effect on p50 latency and monthly cost.

@description('Always-ready instances of the HTTP function group (API, event stream, previews): billed while idle, no cold start for the first request. 0 = pure pay-per-use.')
@minValue(0)
@maxValue(20)
param alwaysReadyHttp int = 0

@description('Always-ready instances of each step function (clarify, requirements, qa, wireframe, code, review, fix, modify; Flex scales each on its own instances). 0 = pure pay-per-use.')
@minValue(0)
@maxValue(20)
param alwaysReadySteps int = 0

@description('Longest wait between queue polls of a running host (host.json extensions.queues.maxPollingInterval, overridden by app setting): shorter picks steps up sooner and costs more queue transactions.')
param queueMaxPollingInterval string = '00:00:01'

@description('Seconds between the build job scaler\'s polls of the build queue (KEDA pollingInterval).')
@minValue(1)
@maxValue(300)
param buildPollingInterval int = 10

@description('Build job executions started every polling interval even when the queue is empty (a warm builder, billed per second).')
@minValue(0)
@maxValue(10)
param buildMinExecutions int = 0

@description('Let the Function App take build messages too (its `build` function enabled). Only for a package that carries Node, Chromium and the template: `appgen package` does not today (docs/cloud-model.md).')
param buildInFunctionApp bool = false

@description('Registry SKU: Standard doubles the image pull bandwidth the build job gets (docs/cloud-model.md) for 4x the daily price.')
@allowed([
  'Basic'
  'Standard'
])
param registrySkuName string = 'Basic'

@description('Link the Function App as the Static Web App /api backend.')
param linkBackend bool = true

@description('Tags applied to every resource.')
param tags object = {}

// Names the code uses. Blob containers: Container::name() in functions/core/src/ports.rs.
// Queues: StepName::queue() in functions/core/src/step.rs and DEPLOY_QUEUE in
// functions/core/src/deploy.rs (deploys to Vercel, worked by the `deploy` queue function), each
// with the `-poison` queue the Functions host moves a message to after maxDequeueCount tries.
// infra/tests/test_bicep_names.py reads those files and fails if these lists and the Rust code
// disagree.
var containerNames = [
  'threads'
  'artifacts'
]
var queueNames = [
  'step-clarify'
  'step-clarify-poison'
  'step-requirements'
  'step-requirements-poison'
  'step-qa'
  'step-qa-poison'
  'step-wireframe'
  'step-wireframe-poison'
  'step-code'
  'step-code-poison'
  'step-build'
  'step-build-poison'
  'step-review'
  'step-review-poison'
  'step-fix'
  'step-fix-poison'
  'step-modify'
  'step-modify-poison'
  'deploy'
  'deploy-poison'
]
var buildQueueName = 'step-build'
// The Function App's function on the build queue (FUNCTIONS in functions/handler/src/functions.rs),
// disabled in Azure so that only the build job consumes step-build.
var buildFunctionName = 'build'
// The step functions that can be kept warm (FUNCTIONS in functions/handler/src/functions.rs;
// build runs in the job unless buildInFunctionApp).
var stepFunctionNames = [
  'clarify'
  'requirements'
  'wireframe'
  'code'
  'review'
  'fix'
  'modify'
]

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var envName = toLower(environmentName)
var allTags = union(tags, {
  'azd-env-name': envName
  application: 'appgen'
})
var functionAppName = 'func-${envName}-${resourceToken}'
// Previews: https://<func>.azurewebsites.net/p/{thread}/{n}/{token}/ (see PREVIEW HOSTING above).
var previewBaseUrl = 'https://${functionAppName}.azurewebsites.net'
var deploymentContainerName = 'app-package-${take(resourceToken, 8)}'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-${envName}'
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: 'log-${envName}-${resourceToken}'
    appInsightsName: 'appi-${envName}-${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: allTags
    containerNames: containerNames
    queueNames: queueNames
    deploymentContainerName: deploymentContainerName
  }
}

module openAi 'modules/openai.bicep' = {
  name: 'openai'
  params: {
    name: 'oai-${envName}-${resourceToken}'
    location: openAiLocation
    tags: allTags
    fastDeployment: {
      name: fastModelDeploymentName
      modelName: fastModelName
      modelVersion: fastModelVersion
      skuName: modelSkuName
      capacity: fastModelCapacity
    }
    strongDeployment: {
      name: strongModelDeploymentName
      modelName: strongModelName
      modelVersion: strongModelVersion
      skuName: modelSkuName
      capacity: strongModelCapacity
    }
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: 'cr${resourceToken}'
    location: location
    tags: allTags
    skuName: registrySkuName
  }
}

module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'staticwebapp'
  params: {
    name: 'swa-${envName}-${resourceToken}'
    location: staticWebAppLocation
    tags: allTags
  }
}

module buildJob 'modules/buildjob.bicep' = {
  name: 'buildjob'
  params: {
    environmentName: 'cae-${envName}-${resourceToken}'
    jobName: 'caj-build-${envName}'
    location: location
    tags: allTags
    workspaceId: monitoring.outputs.workspaceId
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    registryLoginServer: registry.outputs.loginServer
    image: builderImage
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    buildQueueName: buildQueueName
    previewBaseUrl: previewBaseUrl
    previewSecret: previewSecret
    pollingInterval: buildPollingInterval
    minExecutions: buildMinExecutions
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    openAiName: openAi.outputs.name
    buildJobName: buildJob.outputs.jobName
    registryName: registry.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: functionAppName
    planName: 'plan-${envName}-${resourceToken}'
    location: location
    tags: allTags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    openAiEndpoint: openAi.outputs.endpoint
    openAiApiVersion: openAiApiVersion
    modelFast: fastModelDeploymentName
    modelStrong: strongModelDeploymentName
    webOrigin: 'https://${staticWebApp.outputs.defaultHostname}'
    buildJobId: buildJob.outputs.jobId
    buildFunctionName: buildFunctionName
    previewBaseUrl: previewBaseUrl
    previewSecret: previewSecret
    appsDomain: appsDomain
    appsCertificateThumbprint: appsCertificateThumbprint
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttp: alwaysReadyHttp
    alwaysReadySteps: alwaysReadySteps
    stepFunctionNames: stepFunctionNames
    queueMaxPollingInterval: queueMaxPollingInterval
    buildInFunctionApp: buildInFunctionApp
  }
  // The host reads its storage and deployment package with the identity from its first start.
  dependsOn: [
    roles
  ]
}

module staticWebAppLink 'modules/staticwebapp-link.bicep' = if (linkBackend) {
  name: 'staticwebapp-link'
  params: {
    staticWebAppName: staticWebApp.outputs.name
    functionAppId: functionApp.outputs.id
    functionAppLocation: location
  }
}

@description('Name of the Function App (az functionapp deployment source config-zip -n ...).')
output functionAppName string = functionApp.outputs.name

@description('Base URL of the API on the Function App\'s own host (the SSE stream bypasses the 45 s Static Web Apps proxy).')
output apiBaseUrl string = 'https://${functionApp.outputs.defaultHostname}'

@description('Origin previews are served from (APPGEN_PREVIEW_BASE_URL).')
output previewBaseUrl string = previewBaseUrl

@description('Address pattern of published apps ({slug} is each app\'s slug); empty without appsDomain.')
output appsUrlPattern string = empty(appsDomain) ? '' : 'https://{slug}.${appsDomain}/'


@description('Name of the Static Web App (deploy.sh fetches its deployment token at deploy time).')
output staticWebAppName string = staticWebApp.outputs.name

@description('URL of the web UI.')
output webUrl string = 'https://${staticWebApp.outputs.defaultHostname}'

@description('Name of the container registry (az acr build -r ...).')
output registryName string = registry.outputs.name

@description('Login server of the container registry.')
output registryLoginServer string = registry.outputs.loginServer

@description('Name of the build job.')
output buildJobName string = buildJob.outputs.jobName

@description('Name of the storage account.')
output storageAccountName string = storage.outputs.name

@description('Azure OpenAI endpoint.')
output openAiEndpoint string = openAi.outputs.endpoint

@description('Client ID of the managed identity (not a secret: it grants nothing by itself).')
output managedIdentityClientId string = identity.outputs.clientId
