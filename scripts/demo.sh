#!/usr/bin/env bash
# demo.sh -- the project's main job on its embedded default: render the
# spirl-system chart with the documented example values through the real
# Helm 4 built by `npm run tools`, and print the manifests.
set -Eeuo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
helm=$root/.tools/bin/helm
[[ -x $helm ]] || { echo "demo: $helm is missing; run 'npm run tools' first" >&2; exit 2; }
echo "# $("$helm" version --short) rendering charts/spirl-system with charts/spirl-system/ci/example-values.yaml" >&2
"$helm" template spirl-system "$root/charts/spirl-system" \
  --namespace spirl-system -f "$root/charts/spirl-system/ci/example-values.yaml"
