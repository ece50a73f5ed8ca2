"""The project's security baseline as policies.

`policy.rules` holds the rules as pure functions over planned resources, so the unit tests,
the offline plan and the CrossGuard pack (`policy/__main__.py`) all judge the same way.
"""
