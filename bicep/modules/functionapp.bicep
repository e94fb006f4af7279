// The Function App: Flex Consumption (FC1, pay per execution, scales to zero), runtime
// `custom` 1.0 (the Rust `appgen` binary behind host.json's customHandler). Every connection
// is identity-based: no storage keys, no OpenAI keys, no instrumentation keys.

@description('Name of the Function App (globally unique: it is the <name>.azurewebsites.net host).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region (must offer Flex Consumption).')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Resource ID of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client ID of that identity.')
param identityClientId string

@description('Blob service endpoint of the storage account (https://<account>.blob.core.windows.net/).')
param blobEndpoint string

@description('Queue service endpoint of the storage account.')
param queueEndpoint string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Azure OpenAI endpoint.')
param openAiEndpoint string

@description('Azure OpenAI data-plane API version.')
param openAiApiVersion string

@description('Deployment name of the fast model (clarify, requirements).')
param modelFast string

@description('Deployment name of the strong model (code, fix, modify).')
param modelStrong string

@description('Origin of the web UI (https://<static web app host>): APPGEN_WEB_ORIGIN, which the handler allows by CORS on /api.')
param webOrigin string

@description('Resource ID of the build job, for APPGEN_BUILD_JOB_ID (the handler may start it directly).')
param buildJobId string

@description('Origin previews are served from (APPGEN_PREVIEW_BASE_URL): this app\'s own host, see main.bicep.')
param previewBaseUrl string

@description('Name of the function triggered by the build queue (functions/handler/src/functions.rs). It is disabled here: in Azure the Container Apps job takes step-build messages (it has Chromium and bubblewrap; Flex does not).')
param buildFunctionName string

@description('HMAC key of preview tokens (APPGEN_PREVIEW_SECRET).')
@secure()
param previewSecret string

@description('Wildcard domain of published apps (APPGEN_APPS_DOMAIN); empty for none.')
param appsDomain string = ''

@description('Thumbprint of the *.<appsDomain> certificate; empty binds without TLS.')
param appsCertificateThumbprint string = ''

@description('Most instances Flex may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances of the HTTP function group; 0 = pay-per-use only.')
@minValue(0)
param alwaysReadyHttp int = 0

@description('Always-ready instances of each step function in stepFunctionNames; 0 = pay-per-use only.')
@minValue(0)
param alwaysReadySteps int = 0

@description('Queue-triggered step functions (per-function scaling: each has its own instances).')
param stepFunctionNames array

@description('host.json extensions.queues.maxPollingInterval for this app (hh:mm:ss).')
param queueMaxPollingInterval string = '00:00:01'

@description('Enable the build function here as well as the Container Apps job (needs a package that carries Node and Chromium).')
param buildInFunctionApp bool = false

// Flex names an always-ready group `http` or one function `function:<name>`; 0 keeps none warm.
var stepAlwaysReady = [for f in stepFunctionNames: {
  name: 'function:${f}'
  instanceCount: alwaysReadySteps
}]
var alwaysReady = concat([
  {
    name: 'http'
    instanceCount: alwaysReadyHttp
  }
], stepAlwaysReady)

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  // checkov:skip=CKV_AZURE_225: zone redundancy on Flex keeps >= 2 billed always-ready instances per function group; the cheapest profile must cost nothing idle, and all state is in zone-independent storage (docs/cloud-model.md)
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  // checkov:skip=CKV_AZURE_222: public by design: browsers stream /api/.../events and load previews from this host (main.bicep, PREVIEW HOSTING); /api is locked to the SWA proxy by the link
  // checkov:skip=CKV_AZURE_17: browsers and the SWA proxy carry no client certificate; callers are authenticated by SWA (x-ms-client-principal) and previews by HMAC tokens
  // checkov:skip=CKV_AZURE_212: Flex Consumption has no instance count (numberOfWorkers); warm capacity is the alwaysReadySteps knob, 0 in the cheapest profile (docs/cloud-model.md)
  // checkov:skip=CKV_AZURE_213: Flex Consumption does not run the App Service health check (platform-managed instances); /api/health exists for external probes (docs/first-deployment.md)
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // No ARRAffinity cookie: previews served from this host must never set cookies.
    clientAffinityEnabled: false
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      // No FTP or FTPS at all (publishing credentials are also off, below): deploy.sh uses Entra ID.
      ftpsState: 'Disabled'
      // No platform CORS: it would answer every preflight itself and refuse the generated
      // apps' origins on /data. The handler allows the web origin on /api (APPGEN_WEB_ORIGIN,
      // functions/handler/src/cors.rs) and any origin on /data.
      appSettings: [
        // Identity-based host storage (no AzureWebJobsStorage connection string: shared keys are off).
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: blobEndpoint
        }
        {
          name: 'AzureWebJobsStorage__queueServiceUri'
          value: queueEndpoint
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        {
          name: 'APPGEN_LLM'
          value: 'azure-openai'
        }
        {
          name: 'AZURE_OPENAI_ENDPOINT'
          value: openAiEndpoint
        }
        {
          name: 'AZURE_OPENAI_API_VERSION'
          value: openAiApiVersion
        }
        {
          name: 'APPGEN_MODEL_FAST'
          value: modelFast
        }
        {
          name: 'APPGEN_MODEL_STRONG'
          value: modelStrong
        }
        {
          name: 'APPGEN_AUTH'
          value: 'swa'
        }
        {
          name: 'APPGEN_WEB_ORIGIN'
          value: webOrigin
        }
        {
          name: 'APPGEN_PREVIEW_BASE_URL'
          value: previewBaseUrl
        }
        {
          name: 'APPGEN_PREVIEW_SECRET'
          value: previewSecret
        }
        {
          name: 'APPGEN_BUILD_JOB_ID'
          value: buildJobId
        }
        // Published apps: the handler routes https://{slug}.<appsDomain> by host
        // (functions/handler/src/published.rs) through the catch-all `apps` function.
        {
          name: 'APPGEN_APPS_DOMAIN'
          value: appsDomain
        }
        // The build step runs in the Container Apps job, not here: the host must not take its
        // messages (unless buildInFunctionApp: then both consume; claims keep effects exactly-once).
        {
          name: 'AzureWebJobs.${buildFunctionName}.Disabled'
          value: buildInFunctionApp ? 'false' : 'true'
        }
        // Per-profile override of host.json's queue polling (the host reads AzureFunctionsJobHost__*).
        {
          name: 'AzureFunctionsJobHost__extensions__queues__maxPollingInterval'
          value: queueMaxPollingInterval
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
  }
}

// Published apps: the wildcard custom domain, so every app is its own origin on this host.
resource appsBinding 'Microsoft.Web/sites/hostNameBindings@2024-04-01' = if (!empty(appsDomain)) {
  parent: site
  name: '*.${appsDomain}'
  properties: {
    siteName: site.name
    hostNameType: 'Verified'
    customHostNameDnsRecordType: 'CName'
    sslState: empty(appsCertificateThumbprint) ? 'Disabled' : 'SniEnabled'
    thumbprint: empty(appsCertificateThumbprint) ? null : appsCertificateThumbprint
  }
}

// Publishing with FTP or basic (user/password) credentials is off; deploy.sh uses Entra ID.
resource ftpPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

@description('Name of the Function App.')
output name string = site.name

@description('Resource ID of the Function App.')
output id string = site.id

@description('Default hostname of the Function App (API, SSE stream and preview origin).')
output defaultHostname string = site.properties.defaultHostName
