"""Bootstrap: a separate Pulumi project (its own Pulumi.yaml) that lets GitHub Actions deploy.

The Pulumi CLI runs `__main__.py` with this directory on sys.path, so its modules import each
other as top-level modules; this file only makes the directory a package for tests and mypy.
"""
