// The browser UI. Standard is required to link a bring-your-own Function App backend.
// Content is uploaded by deploy.sh with a deployment token fetched at deploy time.

@description('Name of the static web app.')
param name string

@description('Region of the static web app (Static Web Apps runs in a few regions only).')
@allowed([
  'westus2'
  'centralus'
  'eastus2'
  'westeurope'
  'eastasia'
])
param location string

@description('Tags applied to every resource.')
param tags object = {}

resource site 'Microsoft.Web/staticSites@2023-12-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Disabled'
  }
}

@description('Name of the static web app.')
output name string = site.name

@description('Resource ID of the static web app.')
output id string = site.id

@description('Default hostname, e.g. <random>.azurestaticapps.net (the web origin).')
output defaultHostname string = site.properties.defaultHostname
