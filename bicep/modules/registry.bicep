// Azure Container Registry for the build job's image. No admin user (and Basic/Standard have no
// anonymous pull): the job pulls with the managed identity (AcrPull); deploy.sh pushes with
// `az acr build`, authorised by the deploying principal's own role on the resource group.

@description('Name of the registry (5-50 letters and digits, globally unique).')
@minLength(5)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Registry SKU (Basic is the cheapest; there is no consumption tier). Not Premium: it allows anonymous pull.')
@allowed([
  'Basic'
  'Standard'
])
param skuName string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  // checkov:skip=CKV_AZURE_139: disabling public access needs Premium (private endpoints) and a VNet for the job; the registry allows only Entra ID (no admin user, no anonymous pull)
  // checkov:skip=CKV_AZURE_166: quarantine is a Premium feature; the only image is built by `az acr build` from this repository's committed Dockerfile
  // checkov:skip=CKV_AZURE_163: image scanning is Microsoft Defender for Containers, a subscription-level plan billed per image and outside this template; see docs/first-deployment.md
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

@description('Name of the registry.')
output name string = registry.name

@description('Resource ID of the registry.')
output id string = registry.id

@description('Login server, e.g. <name>.azurecr.io')
output loginServer string = registry.properties.loginServer
