// The build job: a Container Apps environment (Consumption profile only: billed per second of
// execution, nothing when idle) and an event-triggered job that KEDA starts when `step-build`
// has messages. Each execution runs `appgen-builder job`: take one message, build the app
// offline in a sandbox, check it in headless Chromium, publish artifacts, enqueue review.
// KEDA authenticates to the queue with the managed identity (`identity` on the scale rule,
// Microsoft.App 2025-01-01), so no storage key or connection string exists anywhere.

@description('Name of the Container Apps environment.')
param environmentName string

@description('Name of the Container Apps job (2-32 lowercase letters, digits and hyphens).')
@maxLength(32)
param jobName string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Resource ID of the Log Analytics workspace that receives the job logs.')
param workspaceId string

@description('Resource ID of the user-assigned managed identity the job runs as.')
param identityId string

@description('Client ID of that identity.')
param identityClientId string

@description('Login server of the registry the image is pulled from (with the identity).')
param registryLoginServer string

@description('Image of the build job; empty until deploy.sh has pushed one (a public placeholder is used).')
param image string = ''

@description('Name of the storage account that holds the build queue.')
param storageAccountName string

@description('Blob service endpoint of the storage account.')
param blobEndpoint string

@description('Queue service endpoint of the storage account.')
param queueEndpoint string

@description('Queue that triggers the job (StepName::Build.queue()).')
param buildQueueName string

@description('Origin previews are served from (APPGEN_PREVIEW_BASE_URL), as the API host has it.')
param previewBaseUrl string

@description('HMAC key of preview tokens (APPGEN_PREVIEW_SECRET), the same as the API host\'s.')
@secure()
param previewSecret string

@description('vCPUs of one execution (Consumption profile: up to 4).')
param cpu string = '2.0'

@description('Memory of one execution; must match the cpu (2 vCPU -> 4Gi).')
param memory string = '4Gi'

@description('Seconds one execution may run before it is stopped.')
@minValue(60)
@maxValue(86400)
param replicaTimeout int = 1800

@description('Most executions running at once.')
@minValue(1)
@maxValue(100)
param maxExecutions int = 10

@description('Seconds between the scaler\'s polls of the build queue: a build waits up to this long before its execution is started.')
@minValue(1)
@maxValue(300)
param pollingInterval int = 10

@description('Executions started every polling interval even with an empty queue (a warm builder: each takes a waiting message or exits).')
@minValue(0)
@maxValue(10)
param minExecutions int = 0

var placeholderImage = 'mcr.microsoft.com/k8se/quickstart-jobs:latest'

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // Logs go through a diagnostic setting below: no workspace shared key is ever handled.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: environment
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource job 'Microsoft.App/jobs@2025-01-01' = {
  name: jobName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Event'
      secrets: [
        {
          name: 'preview-secret'
          value: previewSecret
        }
      ]
      replicaTimeout: replicaTimeout
      // Redelivery is the queue's job (visibility timeout, maxDequeueCount, -poison).
      replicaRetryLimit: 0
      // Pull from the registry with the identity, once there is an image there. (The first
      // deployment creates the job before its AcrPull role exists, with a public placeholder.)
      registries: empty(image) ? [] : [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
      eventTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
        scale: {
          minExecutions: minExecutions
          maxExecutions: maxExecutions
          pollingInterval: pollingInterval
          rules: [
            {
              name: 'build-queue'
              type: 'azure-queue'
              metadata: {
                accountName: storageAccountName
                queueName: buildQueueName
                queueLength: '1'
              }
              identity: identityId
            }
          ]
        }
      }
    }
    template: {
      containers: [
        {
          name: 'builder'
          image: empty(image) ? placeholderImage : image
          command: [
            'appgen-builder'
            'job'
          ]
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: [
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
              // The build step renders the run's UI state, preview URLs included, so it signs
              // them with the API host's key and base.
              name: 'APPGEN_PREVIEW_BASE_URL'
              value: previewBaseUrl
            }
            {
              name: 'APPGEN_PREVIEW_SECRET'
              secretRef: 'preview-secret'
            }
          ]
        }
      ]
    }
  }
}

@description('Name of the build job.')
output jobName string = job.name

@description('Resource ID of the build job.')
output jobId string = job.id

@description('Name of the Container Apps environment.')
output environmentName string = environment.name
