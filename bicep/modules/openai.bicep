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

// Two typed parameters rather than one `modelDeployment[]`: Checkov's Bicep parser (pycep 0.5)
// cannot read typed arrays, and the code calls exactly two deployments (APPGEN_MODEL_FAST/STRONG).
@description('The fast model deployment (clarify, requirements).')
param fastDeployment modelDeployment

@description('The strong model deployment (code, fix, modify).')
param strongDeployment modelDeployment

// Created one at a time (@batchSize(1)): Azure OpenAI rejects concurrent deployment writes.
var deployments = [
  fastDeployment
  strongDeployment
]

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  // checkov:skip=CKV_AZURE_134: the Function App has no VNet (a private endpoint needs one plus private DNS, a fixed monthly cost); access is Entra ID only (disableLocalAuth) with the OpenAI User role
  // Its own identity (for customer-managed keys or other outbound calls); costs nothing.
  identity: {
    type: 'SystemAssigned'
  }
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
