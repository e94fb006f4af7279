#!/usr/bin/env bash
# Deploys appgen to Azure in one command: the Bicep template, the Function App package, the
# build job's image and the web UI. Needs: az (logged in), cargo, npm, python3, git.
#
#   infra/deploy.sh [--env NAME] [--location REGION] [--resource-group RG]
#                   [--swa-location REGION] [--tag TAG] [--profile NAME]
#                   [--apps-domain DOMAIN] [--apps-certificate THUMBPRINT] [--dry-run]
#
#   --profile  cheapest | balanced | fastest: the latency/cost knobs of infra/cloud/inputs.json
#              (docs/cloud-model.md); without it the template's defaults (pay-per-use) apply.
#   --apps-domain  wildcard domain of published apps (https://{slug}.DOMAIN/; DNS first, see
#              bicep/README.md), with --apps-certificate the thumbprint of its *.DOMAIN certificate.
#   --dry-run  print every command, in order, instead of running it (needs none of the tools);
#              it also lists the published apps' routes.
#
# Environment (flags win): APPGEN_ENV, AZURE_LOCATION, AZURE_RESOURCE_GROUP,
# APPGEN_SWA_LOCATION, APPGEN_IMAGE_TAG, APPGEN_PROFILE, APPGEN_APPS_DOMAIN, APPGEN_APPS_CERTIFICATE,
# APPGEN_PREVIEW_SECRET (else the deployed one is kept, or a new one is generated on the first
# deployment).
#
# Secrets (the preview HMAC key, the Static Web Apps deployment token) are fetched or made at
# deploy time, passed through a 0600 file or the environment, and never printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DRY_RUN=0
ENV_NAME="${APPGEN_ENV:-appgen}"
LOCATION="${AZURE_LOCATION:-eastus2}"
RESOURCE_GROUP="${AZURE_RESOURCE_GROUP:-}"
SWA_LOCATION="${APPGEN_SWA_LOCATION:-eastus2}"
IMAGE_TAG="${APPGEN_IMAGE_TAG:-}"
PROFILE="${APPGEN_PROFILE:-}"
APPS_DOMAIN="${APPGEN_APPS_DOMAIN:-}"
APPS_CERTIFICATE="${APPGEN_APPS_CERTIFICATE:-}"
SWA_CLI="@azure/static-web-apps-cli@2.0.10"
WORK="target/appgen-deploy"

usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --env|--location|--resource-group|--swa-location|--tag|--profile|--apps-domain|--apps-certificate)
      [[ $# -ge 2 && -n "$2" ]] || { echo "deploy.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --env) ENV_NAME="$2"; shift ;;
    --location) LOCATION="$2"; shift ;;
    --resource-group) RESOURCE_GROUP="$2"; shift ;;
    --swa-location) SWA_LOCATION="$2"; shift ;;
    --tag) IMAGE_TAG="$2"; shift ;;
    --profile) PROFILE="$2"; shift ;;
    --apps-domain) APPS_DOMAIN="$2"; shift ;;
    --apps-certificate) APPS_CERTIFICATE="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deploy.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if ! [[ "$ENV_NAME" =~ ^[a-z0-9]{2,12}$ ]]; then
  echo "deploy.sh: --env must be 2-12 lowercase letters and digits (got '$ENV_NAME')" >&2
  exit 2
fi
RESOURCE_GROUP="${RESOURCE_GROUP:-rg-$ENV_NAME}"
# Published apps' wildcard domain (Bicep appsDomain): a lowercase DNS name, passed only when given.
APPS_PARAMS=()
if [[ -n "$APPS_DOMAIN" ]]; then
  if ! [[ "$APPS_DOMAIN" =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$ ]]; then
    echo "deploy.sh: --apps-domain must be a lowercase DNS name like apps.example.com (got '$APPS_DOMAIN')" >&2
    exit 2
  fi
  APPS_PARAMS+=("appsDomain=$APPS_DOMAIN")
  [[ -n "$APPS_CERTIFICATE" ]] && APPS_PARAMS+=("appsCertificateThumbprint=$APPS_CERTIFICATE")
elif [[ -n "$APPS_CERTIFICATE" ]]; then
  echo "deploy.sh: --apps-certificate needs --apps-domain" >&2
  exit 2
fi
# The profile's Bicep parameters (k=v), read from the model's one input file.
PROFILE_PARAMS=()
if [[ -n "$PROFILE" ]]; then
  if ! profile_out="$(python3 infra/cloud/model.py --bicep-params "$PROFILE")"; then
    echo "deploy.sh: --profile must be one of the profiles in infra/cloud/inputs.json" >&2
    exit 2
  fi
  mapfile -t PROFILE_PARAMS <<<"$profile_out"
fi
DEPLOYMENT="appgen-$ENV_NAME"
if [[ -z "$IMAGE_TAG" ]]; then
  IMAGE_TAG="$(git rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)"
fi

# ---- command runner -------------------------------------------------------------------------
SECRETS=()

# The command, shell-quoted, with every known secret value replaced by ***.
show() {
  local line
  line="$(printf '%q ' "$@")"
  line="${line% }"
  local s q
  for s in "${SECRETS[@]+"${SECRETS[@]}"}"; do
    [[ -n "$s" ]] || continue
    q="$(printf '%q' "$s")"
    line="${line//"$q"/***}"
    line="${line//"$s"/***}"
  done
  printf '%s\n' "$line"
}

# Runs a command (printing it first, to stderr), or in --dry-run only prints it (to stdout).
run() {
  if [[ $DRY_RUN -eq 1 ]]; then
    printf '+ %s\n' "$(show "$@")"
  else
    printf '+ %s\n' "$(show "$@")" >&2
    "$@"
  fi
}

# For VAR="$(capture PLACEHOLDER cmd...)": runs the command and yields its stdout; in --dry-run
# prints the command to the script's stdout (fd 3, outside the $(...)) and yields PLACEHOLDER.
exec 3>&1
capture() {
  local placeholder="$1"; shift
  if [[ $DRY_RUN -eq 1 ]]; then
    printf '+ %s\n' "$(show "$@")" >&3
    printf '%s' "$placeholder"
  else
    printf '+ %s\n' "$(show "$@")" >&2
    "$@"
  fi
}

# Same, but a failure (e.g. the resource does not exist yet) yields "".
capture_optional() {
  capture "$@" 2>/dev/null || true
}

note() { printf '# %s\n' "$*" >&3; }

# ---- 0. preflight ---------------------------------------------------------------------------
note "appgen deploy: env=$ENV_NAME location=$LOCATION resource-group=$RESOURCE_GROUP tag=$IMAGE_TAG$([[ $DRY_RUN -eq 1 ]] && echo ' (dry run)')"
note "profile: ${PROFILE:-none (template defaults)}${PROFILE_PARAMS[*]:+: ${PROFILE_PARAMS[*]}}"
if [[ $DRY_RUN -eq 0 ]]; then
  for tool in az cargo npm python3 git; do
    command -v "$tool" >/dev/null || { echo "deploy.sh: '$tool' is required" >&2; exit 1; }
  done
  if ! az account show --output none 2>/dev/null; then
    echo "deploy.sh: not logged in to Azure: run 'az login' (or azure/login in CI) first" >&2
    exit 1
  fi
fi
SUBSCRIPTION="$(capture 'subscription-id' az account show --query id --output tsv)"
note "subscription: $SUBSCRIPTION"

# ---- 1. infrastructure (bicep/main.bicep) ---------------------------------------------------
# A fresh subscription may not have every resource provider registered (no-ops when they are).
for ns in Microsoft.App Microsoft.CognitiveServices Microsoft.ContainerRegistry Microsoft.Insights \
  Microsoft.ManagedIdentity Microsoft.OperationalInsights Microsoft.Storage Microsoft.Web; do
  run az provider register --namespace "$ns" --wait --output none
done
run az group create --name "$RESOURCE_GROUP" --location "$LOCATION" --tags application=appgen "azd-env-name=$ENV_NAME" --output none

# From the previous deployment, if any: the preview key (rotating it would break every preview
# URL) and the build job's image (so this deployment does not roll it back before step 3).
PREVIEW_SECRET="${APPGEN_PREVIEW_SECRET:-}"
EXISTING_FUNCTION_APP="$(capture_optional '' az deployment group show --resource-group "$RESOURCE_GROUP" --name "$DEPLOYMENT" --query properties.outputs.functionAppName.value --output tsv)"
if [[ -z "$PREVIEW_SECRET" && -n "$EXISTING_FUNCTION_APP" ]]; then
  PREVIEW_SECRET="$(capture_optional '' az functionapp config appsettings list --resource-group "$RESOURCE_GROUP" --name "$EXISTING_FUNCTION_APP" --query "[?name=='APPGEN_PREVIEW_SECRET'].value | [0]" --output tsv)"
fi
if [[ -z "$PREVIEW_SECRET" ]]; then
  PREVIEW_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))' 2>/dev/null || echo dry-run-placeholder)"
fi
SECRETS+=("$PREVIEW_SECRET")
CURRENT_IMAGE="$(capture_optional '' az deployment group show --resource-group "$RESOURCE_GROUP" --name "$DEPLOYMENT" --query properties.parameters.builderImage.value --output tsv)"

# The preview key reaches az through a 0600 parameters file, never the command line.
SECRET_PARAMS="$WORK/secret.parameters.json"
if [[ $DRY_RUN -eq 0 ]]; then
  mkdir -p "$WORK"
  (umask 077 && python3 -c 'import json, sys; json.dump({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {"previewSecret": {"value": sys.argv[1]}}}, open(sys.argv[2], "w"))' "$PREVIEW_SECRET" "$SECRET_PARAMS")
  trap 'rm -f "$SECRET_PARAMS"' EXIT
fi

# deploy_infra IMAGE: the whole template, idempotent. The build job pulls from the registry only
# once IMAGE is set (its AcrPull role is created by the first pass).
deploy_infra() {
  run az deployment group create \
    --resource-group "$RESOURCE_GROUP" \
    --name "$DEPLOYMENT" \
    --template-file bicep/main.bicep \
    --parameters environmentName="$ENV_NAME" location="$LOCATION" staticWebAppLocation="$SWA_LOCATION" builderImage="$1" \
    ${PROFILE_PARAMS[@]+"${PROFILE_PARAMS[@]}"} \
    ${APPS_PARAMS[@]+"${APPS_PARAMS[@]}"} \
    --parameters "@$SECRET_PARAMS" \
    --output none
}
deploy_infra "$CURRENT_IMAGE"

OUTPUTS="$(capture '{}' az deployment group show --resource-group "$RESOURCE_GROUP" --name "$DEPLOYMENT" --query properties.outputs --output json)"
declare -A OUT=()
if [[ $DRY_RUN -eq 0 ]]; then
  # One parse of the outputs into OUT[name]=value (values shell-quoted by Python).
  eval "$(python3 -c 'import json, shlex, sys
for k, v in json.loads(sys.stdin.read()).items():
    print("OUT[%s]=%s" % (shlex.quote(k), shlex.quote(str(v["value"]))))' <<<"$OUTPUTS")"
fi
output() {
  if [[ $DRY_RUN -eq 1 ]]; then printf 'outputs.%s' "$1"; return; fi
  [[ -n "${OUT[$1]:-}" ]] || { echo "deploy.sh: the deployment has no output '$1'" >&2; exit 1; }
  printf '%s' "${OUT[$1]}"
}
FUNCTION_APP="$(output functionAppName)"
STATIC_WEB_APP="$(output staticWebAppName)"
WEB_URL="$(output webUrl)"
API_BASE_URL="$(output apiBaseUrl)"
REGISTRY="$(output registryName)"
REGISTRY_SERVER="$(output registryLoginServer)"

# ---- 2. Function App: appgen package + zip deploy (Flex Consumption one-deploy) -------------
# The binary links against this machine's glibc. Build on Debian bookworm (glibc 2.36), as
# .github/workflows/deploy.yml does: a binary linked against a newer glibc may not start on the
# Functions host (its Linux images are Debian-based; the exact glibc of Flex is not verified here).
if [[ $DRY_RUN -eq 0 ]]; then
  glibc="$(ldd --version 2>/dev/null | head -n1 | grep -oE '[0-9]+\.[0-9]+$' || true)"
  if [[ -n "$glibc" ]] && [[ "$(printf '%s\n' "$glibc" 2.36 | sort -V | tail -n1)" != "2.36" ]]; then
    echo "deploy.sh: warning: glibc $glibc is newer than Debian bookworm's 2.36; the appgen binary may not start on the Functions host (deploy from a bookworm container)" >&2
  fi
fi
run cargo build --release --locked -p appgen
run rm -rf "$WORK/package" "$WORK/functions.zip"
run target/release/appgen package --out "$WORK/package"
run python3 -m zipfile -c "$WORK/functions.zip" "$WORK/package/."
run az functionapp deployment source config-zip --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP" --src "$WORK/functions.zip"

# ---- 3. build job image: built in the cloud by ACR (no local docker) from committed files ----
IMAGE="$REGISTRY_SERVER/appgen-builder:$IMAGE_TAG"
run rm -rf "$WORK/builder-context" "$WORK/builder-context.tar"
run mkdir -p "$WORK/builder-context"
run git archive --format=tar --output "$WORK/builder-context.tar" HEAD
run tar -xf "$WORK/builder-context.tar" -C "$WORK/builder-context"
run az acr build --registry "$REGISTRY" --image "appgen-builder:$IMAGE_TAG" --file infra/Dockerfile "$WORK/builder-context"
deploy_infra "$IMAGE"
[[ $DRY_RUN -eq 0 ]] && rm -f "$SECRET_PARAMS"

# ---- 3b. previews through the Static Web Apps lock -----------------------------------------
# Linking the Function App to the Static Web App turns on App Service authentication with an
# "Azure Static Web Apps (Linked)" provider: any request that does not come through the SWA
# proxy gets 401. Previews (/p/{thread}/{n}/{token}/, authorised by their HMAC token) must load
# directly from the Function App's host, and so must the data API of generated apps (/data/,
# authorised by its per-app keys, docs/appdata.md), so exclude exactly those prefixes,
# read-modify-write, keeping the provider the link created. /api/* stays locked: only the SWA
# proxy may assert a principal.
# (After the last template deployment: re-linking may rewrite these settings.)
AUTH_URL="https://management.azure.com/subscriptions/$SUBSCRIPTION/resourceGroups/$RESOURCE_GROUP/providers/Microsoft.Web/sites/$FUNCTION_APP/config/authsettingsV2?api-version=2024-04-01"
AUTH_SETTINGS="$(capture '{}' az rest --method get --url "$AUTH_URL")"
AUTH_PATCHED="$WORK/authsettingsV2.json"
if [[ $DRY_RUN -eq 1 ]]; then
  note "set properties.globalValidation.excludedPaths += [\"/p/\", \"/data/\"] in the settings above -> $AUTH_PATCHED"
else
  python3 -c '
import json, sys
doc = json.loads(sys.stdin.read() or "{}")
props = doc.setdefault("properties", {})
gv = props.setdefault("globalValidation", {})
gv["excludedPaths"] = sorted(set(gv.get("excludedPaths") or []) | {"/p/", "/data/"})
json.dump({"properties": props}, open(sys.argv[1], "w"))
' "$AUTH_PATCHED" <<<"$AUTH_SETTINGS"
fi
run az rest --method put --url "$AUTH_URL" --body "@$AUTH_PATCHED" --output none

# ---- 4. web UI: build, then upload with a deployment token fetched now and never shown ------
run npm --prefix web ci
# The UI calls the API on its own origin: Static Web Apps forwards /api/* to the linked Function
# App with the signed-in user's x-ms-client-principal (APPGEN_AUTH=swa). Set APPGEN_WEB_API_BASE
# (e.g. to the apiBaseUrl output) to make the UI call the Function App's host directly instead.
run env VITE_API_BASE="${APPGEN_WEB_API_BASE:-}" npm --prefix web run build
SWA_TOKEN="$(capture '' az staticwebapp secrets list --name "$STATIC_WEB_APP" --resource-group "$RESOURCE_GROUP" --query properties.apiKey --output tsv)"
SECRETS+=("$SWA_TOKEN")
note "SWA_CLI_DEPLOYMENT_TOKEN=*** (the token above, passed in the environment only)"
SWA_CLI_DEPLOYMENT_TOKEN="$SWA_TOKEN" run npx --yes "$SWA_CLI" deploy web/dist --env production

# ---- 5. published apps: where they live and the routes that serve them ---------------------
# (functions/handler/src/published.rs and deploy.rs; the apps origin is the catch-all `apps`
# function, routed by Host.)
if [[ -n "$APPS_DOMAIN" ]]; then
  note "published apps: https://{slug}.$APPS_DOMAIN/ on $FUNCTION_APP (DNS: *.$APPS_DOMAIN CNAME $FUNCTION_APP.azurewebsites.net, asuid.$APPS_DOMAIN TXT; bicep/README.md)"
  note "route: GET https://{slug}.$APPS_DOMAIN/{path} -> the published version's dist/ (index.html for routes)"
else
  note "published apps: no --apps-domain, so publishing gives no public URL (bicep/README.md)"
fi
note "route: POST|DELETE $API_BASE_URL/api/threads/{threadId}/publish"
note "route: POST $API_BASE_URL/api/threads/{threadId}/deploy/vercel (with APPGEN_VERCEL_TOKEN or a token per request; 202 at once, the deploy goes on)"
note "route: GET $API_BASE_URL/api/threads/{threadId}/deploy/vercel/{id} (a deploy's stage; also on the thread's stream)"

note "done: web $WEB_URL, api $API_BASE_URL"
