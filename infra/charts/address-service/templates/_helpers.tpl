{{/*
Expand the name of the chart.
*/}}
{{- define "address-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "address-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Version label: the release's appVersion (semver + git short SHA), else the chart's appVersion.
*/}}
{{- define "address-service.version" -}}
{{- .Values.appVersion | default .Chart.AppVersion }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "address-service.labels" -}}
helm.sh/chart: {{ include "address-service.chart" . }}
{{ include "address-service.selectorLabelsWithDeploymentType" . }}
app.kubernetes.io/version: {{ include "address-service.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels. The instance is the slot's name (address-service-blue), which is also the
helmfile release name, so the two slots' Pods never match each other's selector.
*/}}
{{- define "address-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "address-service.name" . }}
app.kubernetes.io/instance: {{ include "address-service.nameWithDeploymentType" . }}
{{- end }}

{{/*
Selector labels with deployment type
*/}}
{{- define "address-service.selectorLabelsWithDeploymentType" -}}
{{ include "address-service.selectorLabels" . }}
app.vividcode.io/deployment-type: {{ .Values.deploymentType | quote }}
{{- end }}

{{/*
Create the service name with deployment type
*/}}
{{- define "address-service.nameWithDeploymentType" -}}
{{- printf "%s-%s" (include "address-service.name" .) .Values.deploymentType }}
{{- end }}

{{/*
Fail the render unless deploymentType is one of the two slots.
*/}}
{{- define "address-service.validateDeploymentType" -}}
{{- if not (has .Values.deploymentType (list "blue" "green")) }}
{{- fail (printf "deploymentType must be \"blue\" or \"green\", got %q; set DEPLOYMENT_TYPE" .Values.deploymentType) }}
{{- end }}
{{- end }}
