"""The local platform: the stack's own Airflow configuration running on this machine.

`local.config` turns the program's settings into the local configuration with the same
functions the components use; `local.platform` starts, checks and stops the servers and
Airflow processes; `local.client` talks to the REST API like a user. `python -m local`
(or `make local`) is the command line.
"""
