"""`make bench-local`: what a task costs on the local platform, per configuration.

Each configuration runs on a platform of its own (the prod stack's servers and processes):
the program's Airflow configuration, Airflow's defaults at the same shape (same schedulers,
executor and servers), and the defaults with one of the program's features added at a time
(remote logs, the Secrets Manager backend). The work is 20 DAGs of short independent tasks,
triggered together; repeats are interleaved (A B C, B C A, ...) so a slow minute on a
shared machine falls on every configuration alike, and each run is alone on the machine: the
other platforms' Airflow processes are stopped meanwhile.

Per run: CPU-seconds of every Airflow process and server (from /proc), statements through
PgBouncer, AWS API calls by service and operation (moto's request recorder), throughput and
the delay from queued to running. Per configuration: the median of the repeats and their
spread; two configurations whose spreads overlap are reported as "no difference".

`dags` writes the DAGs, `probes` reads the counters, `freeze` stops and continues the
platforms that do not run, `figures` does the arithmetic, `runner` drives the platforms;
`python -m local.bench` is the command line.
"""
