// The storage account behind everything: snapshots, event logs and artifacts (blob), the step
// queues, the Functions host's own state and the Flex deployment package. Shared-key access is
// disabled: every caller (Function App, build job, deploy script) uses Entra ID.

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

// `array`, not `string[]`: Checkov's Bicep parser (pycep 0.5) cannot read typed arrays. The
// names are still checked: each becomes a container/queue `name`, which ARM validates.
@description('Blob containers the code uses (Container::name() in functions/core/src/ports.rs); strings.')
@minLength(1)
param containerNames array

@description('Storage queues the code uses: every StepName::queue() in functions/core/src/step.rs and its -poison queue; strings.')
@minLength(1)
param queueNames array

@description('Blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  // checkov:skip=CKV_AZURE_35: Flex Consumption and the Container Apps job run without a VNet, so the network must allow them; every request still needs Entra ID (allowSharedKeyAccess: false)
  // checkov:skip=CKV_AZURE_59: same reason as CKV_AZURE_35: public endpoint, no anonymous blob access, no shared keys
  // checkov:skip=CKV_AZURE_206: LRS by default (the cheapest); pass skuName Standard_ZRS or Standard_GRS for zone or region redundancy
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for c in containerNames: {
  parent: blobService
  name: c
  properties: {
    publicAccess: 'None'
  }
}]

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for q in queueNames: {
  parent: queueService
  name: q
}]

@description('Name of the storage account.')
output name string = account.name

@description('Resource ID of the storage account.')
output id string = account.id

@description('Blob service endpoint, e.g. https://<name>.blob.core.windows.net/')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue service endpoint, e.g. https://<name>.queue.core.windows.net/')
output queueEndpoint string = account.properties.primaryEndpoints.queue
