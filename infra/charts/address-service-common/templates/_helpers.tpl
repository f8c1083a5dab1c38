{{/*
The service name is fixed: both slots' Deployments sit behind it.
*/}}
{{- define "address-service-common.serviceName" -}}
address-service
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "address-service-common.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "address-service-common.labels" -}}
helm.sh/chart: {{ include "address-service-common.chart" . }}
{{ include "address-service-common.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "address-service-common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "address-service-common.serviceName" . }}
{{- end }}
