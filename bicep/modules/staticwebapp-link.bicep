// Links the Function App as the static web app's /api backend (Standard plan only). The SWA
// proxy then forwards /api/* with x-ms-client-principal; it cuts requests at 45 s, so the
// streaming endpoint is also called on the Function App's own host (see main.bicep).

@description('Name of the existing static web app.')
param staticWebAppName string

@description('Resource ID of the Function App to link.')
param functionAppId string

@description('Region of the Function App.')
param functionAppLocation string

resource site 'Microsoft.Web/staticSites@2023-12-01' existing = {
  name: staticWebAppName
}

resource backend 'Microsoft.Web/staticSites/linkedBackends@2023-12-01' = {
  parent: site
  name: 'functions'
  properties: {
    backendResourceId: functionAppId
    region: functionAppLocation
  }
}
