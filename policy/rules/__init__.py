"""The security baseline as pure functions over planned resources, grouped by what they guard.

- `base`: the resource and policy model, reading values that may be unknown during preview
- `companions`: stack checks that link a resource to the resources configuring it
- `data_stores`, `kubernetes`, `mwaa`, `iam`, `network`, `tagging`: the rules, one module each
- `registry`: the ordered list of every policy, `evaluate` and `parse_exceptions`

The package is imported as `policy.rules` from the project root and as `rules` by the pack in
`policy/__main__.py`, so its modules import only each other (relatively) and the standard library.
"""
