// Azure OpenAI account (Entra ID only: local/key auth disabled) and its model deployments.
// The Function App calls it with the managed identity (Cognitive Services OpenAI User).

@description('A model deployment: the deployment name the code calls, and the model behind it.')
type modelDeployment = {
  name: string
  modelName: string
  modelVersion: string
  skuName: string
  capacity: int
}

@description('Name of the Azure OpenAI account; also its custom subdomain (globally unique).')
param name string

@description('Azure region of the account (model availability differs by region).')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Model deployments to create, one at a time.')
param deployments modelDeployment[]

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

@batchSize(1)
resource modelDeployments 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = [for d in deployments: {
  parent: account
  name: d.name
  sku: {
    name: d.skuName
    capacity: d.capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: d.modelName
      version: d.modelVersion
    }
  }
}]

@description('Name of the account.')
output name string = account.name

@description('Resource ID of the account.')
output id string = account.id

@description('Endpoint for AZURE_OPENAI_ENDPOINT, e.g. https://<name>.openai.azure.com/')
output endpoint string = account.properties.endpoint
