"""The Helm charts of the prod stack, rendered by a real Helm and checked.

- `packages`: the pinned packages (charts.lock.yaml) in a local cache, verified by sha256.
- `helm`: the cached Helm binary and `helm template`, with renders cached by content.
- `releases`: the `helm.v3.Release` resources of a plan, with their exact values.
- `kube`: Kubernetes and CRD schema validation, pods, selectors, NetworkPolicy reachability.

`python -m tools.charts` (`make charts`) fetches and verifies every pinned package.
"""
