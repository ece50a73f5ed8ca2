"""The Helm charts of the prod stack, rendered by a real Helm and checked.

- `packages`: the pinned packages (charts.lock.yaml) in a local cache, verified by sha256.
- `helm`: the cached Helm binary and `helm template`, with renders cached by content.
- `releases`: the `helm.v3.Release` resources of a plan, with their exact values.
- `objects`: the objects a plan declares and Helm renders, their pods, label selectors.
- `schemas`: strict Kubernetes and CRD schema validation.
- `network_policies`: NetworkPolicy peers and reachability.
- `pod_security`: Pod Security `restricted`.
- `scheduling`: node groups and whether a pod fits one.
- `values`: values keys the chart does not declare or marks deprecated.

`python -m tools.charts` (`make charts`) fetches and verifies every pinned package.
"""
