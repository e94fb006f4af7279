// Every role the managed identity holds, each on the narrowest scope that works. Nothing at
// resource-group or subscription scope, no Owner/Contributor, no key-listing roles.
//
//   Storage Blob Data Contributor  ba92f5b4-2d11-453d-a403-e96b0029c9fe  storage account (snapshots, events, artifacts, host state, deployment package)
//   Storage Queue Data Contributor 974c5e8b-45b9-4653-ba55-5f855dd0fb88  storage account (step queues, poison queues, KEDA queue length)
//   Cognitive Services OpenAI User 5e0bd9bd-7b93-4f28-af87-19fc36ad61bd  Azure OpenAI account (inference only)
//   Container Apps Jobs Operator   b9a307c4-5aa3-4b52-ba60-2b17c136cd7b  the build job only (read/start/stop)
//   AcrPull                        7f951dda-4ed3-4680-a7ca-43fe172d538d  the registry only
//   Monitoring Metrics Publisher   3913510d-42f4-4e42-8a64-420c390055eb  Application Insights only (local auth is off)

@description('Principal (object) ID of the managed identity.')
param principalId string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Azure OpenAI account.')
param openAiName string

@description('Name of the build job.')
param buildJobName string

@description('Name of the container registry.')
param registryName string

@description('Name of the Application Insights component.')
param appInsightsName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: openAiName
}

resource buildJob 'Microsoft.App/jobs@2025-01-01' existing = {
  name: buildJobName
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, principalId, '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd')
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource jobsOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(buildJob.id, principalId, 'b9a307c4-5aa3-4b52-ba60-2b17c136cd7b')
  scope: buildJob
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b9a307c4-5aa3-4b52-ba60-2b17c136cd7b')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, principalId, '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
