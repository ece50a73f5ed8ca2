"""Start, check and stop the local platform: real servers and Airflow processes on 127.0.0.1.

Everything lives under one state directory (`AIRFLOW_LOCAL_HOME`, default `.airflow-local/`
in the repository): keys and certificates, the PostgreSQL cluster, PgBouncer's and Redis's
files, Airflow's home, one log and one pid file per process. Every process is started in a
session of its own and stopped by the pid the platform wrote, never by name.

Servers (PostgreSQL, PgBouncer, Redis) are the Debian packages; PostgreSQL and PgBouncer
refuse to run as root, so when this runs as root they run as the `postgres` user the Debian
package creates. Airflow and the moto server run from `.venv-airflow`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets as random
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from base64 import urlsafe_b64encode
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

from components.eks.execution_api import CONTAINER as EXECUTION_API
from components.eks.execution_api import HEALTH_PATH as EXECUTION_HEALTH_PATH
from components.settings import Settings, load
from local import procfs
from local.config import (
    DAGS_FOLDER,
    REPO,
    LocalConfig,
    Ports,
    Secrets,
    local_config,
)
from local.sign_in import LocalSignIn
from local.sign_in import install as install_sign_in

VENV = REPO / ".venv-airflow"
DEFAULT_STATE = REPO / ".airflow-local"
# Where the state goes when root runs a clone the servers' user cannot enter (state_dir).
SHARED_STATE = Path("/var/tmp/airflow-local")
PG_BIN = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"  # created by Debian's postgresql package
# The servers' process names: stopped after the Airflow processes that use them.
SERVERS = ("moto", "postgres", "pgbouncer", "redis")
HEALTH_PATH = "/api/v2/monitor/health"
START_TIMEOUT = 240.0


class PlatformError(RuntimeError):
    """The platform could not start, or is not what was asked for."""


@dataclass(frozen=True)
class Platform:
    """A running local platform: where it lives and how to reach it."""

    stack: str
    state: Path
    ports: Ports
    api_url: str
    user: str
    password: str
    config: LocalConfig

    def client(self) -> Any:
        """A REST API client with a token (see `local.client`)."""
        from local.client import AirflowClient

        return AirflowClient.login(self.api_url, self.user, self.password)


# --------------------------------------------------------------------------- helpers


def state_dir(path: str | Path | None = None) -> Path:
    """The state directory: `path`, $AIRFLOW_LOCAL_HOME, or `.airflow-local` in the clone. As
    root in a clone the servers' user cannot enter (one inside /root, mode 0700), the default
    moves to SHARED_STATE, one folder per clone, where that user can reach its files."""
    chosen = path or os.environ.get("AIRFLOW_LOCAL_HOME")
    if chosen:
        return Path(chosen).resolve()
    if os.geteuid() == 0 and blocked_ancestor(DEFAULT_STATE.parent, SERVICE_USER) is not None:
        digest = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
        return SHARED_STATE / f"{REPO.name}-{digest}"
    return DEFAULT_STATE.resolve()


def blocked_ancestor(path: Path, user: str) -> Path | None:
    """The first folder on the way to `path` (itself included) that `user` may not enter
    (no search permission for it), or None when it reaches `path`."""
    import grp
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None  # no such user here: the servers would not run as it either
    groups = {entry.pw_gid, *(g.gr_gid for g in grp.getgrall() if user in g.gr_mem)}
    resolved = path.resolve()
    for folder in [*reversed(resolved.parents), resolved]:
        try:
            st = folder.stat()
        except FileNotFoundError:
            return None  # created later, by root, 0755
        if st.st_uid == entry.pw_uid:
            allowed = st.st_mode & stat.S_IXUSR
        elif st.st_gid in groups:
            allowed = st.st_mode & stat.S_IXGRP
        else:
            allowed = st.st_mode & stat.S_IXOTH
        if not allowed:
            return folder
    return None


def stack_settings(stack: str) -> Settings:
    """The stack's validated settings, read as `make plan` reads them."""
    from tools.plan import stack_config

    project, config = stack_config(stack)
    return load(project, stack, config)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def choose_ports(api: int, base: int | None) -> Ports:
    """`base` pins the servers to base+1.. (tests use a fixed range); otherwise free ports."""
    if base is not None:
        return Ports(api, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6)
    return Ports(
        api, free_port(), free_port(), free_port(), free_port(), free_port(socket.SOCK_DGRAM),
        free_port(),
    )  # fmt: skip


def read_ports(path: Path) -> Ports:
    """The ports a start recorded; a file from before the Execution API had a process of its
    own (2026-12-07) gets a free port for it, written back so every reader sees the same."""
    recorded = json.loads(path.read_text())
    if "execution_api" not in recorded:
        recorded["execution_api"] = free_port()
        path.write_text(json.dumps(recorded))
    return Ports(**recorded)


def ensure_ports_free(ports: Ports) -> None:
    """Refuse to start when a TCP port the platform would serve on is taken: another Airflow
    on the API port would answer the health check and pass for this platform. (The statsd
    port is where a listener may be, by design.)"""
    for role, port in asdict(ports).items():
        if role == "statsd":
            continue
        with socket.socket() as s:
            # As the servers do: a port whose last connections linger in TIME_WAIT is free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                setting = "PORT" if role == "api" else "AIRFLOW_LOCAL_PORT_BASE"
                raise PlatformError(
                    f"port {port} ({role}) is in use on 127.0.0.1: choose another with {setting}="
                ) from None


def _service_user() -> dict[str, Any]:
    """Popen arguments that drop root for servers that refuse it."""
    return {"user": SERVICE_USER, "group": SERVICE_USER} if os.geteuid() == 0 else {}


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        for p in [path, *path.rglob("*")]:
            shutil.chown(p, SERVICE_USER, SERVICE_USER)


def _pg_bin(name: str) -> str:
    versions = sorted(PG_BIN.glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise PlatformError("PostgreSQL is not installed (Debian package postgresql)")
    return str(versions[-1] / name)


def _session_members(sid: int) -> list[int]:
    """Pids whose session id is `sid` (/proc/<pid>/stat field 6), `sid` itself excluded."""
    members = []
    for pid, fields in procfs.all_stat_fields().items():
        with contextlib.suppress(ValueError, IndexError):
            if int(fields[procfs.SESSION]) == sid and pid != sid:
                members.append(pid)
    return members


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of this very process is dead for our purposes.
    fields = procfs.stat_fields(pid)
    return fields is not None and fields[procfs.STATE] != "Z"


def _boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def _identity(pid: int) -> str | None:
    """What tells process `pid` apart from a later one with the same pid: its start time
    (clock ticks since boot, /proc/<pid>/stat field 22) and the boot it started in."""
    fields = procfs.stat_fields(pid)
    if fields is None or len(fields) <= procfs.START_TIME:
        return None
    return f"{fields[procfs.START_TIME]} {_boot_id()}"


def _running(pid: int | None) -> bool:
    """Whether the process `pid`, or anything left in its session, still runs."""
    return pid is not None and any(_alive(p) for p in (pid, *_session_members(pid)))


def _wait(what: str, check: Callable[[], bool], timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    tail = ""
    if log and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    raise PlatformError(f"{what} did not come up within {timeout:.0f} s{tail}")


def _tcp_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def ensure_installed() -> None:
    """The Debian servers (scripts/ensure-local-packages.sh: apt, when root) and the Airflow
    venv (scripts/airflow-venv.sh); `make local` has built both side by side already, so
    here they are a moment's check."""
    for script in ("ensure-local-packages.sh", "airflow-venv.sh"):
        if subprocess.run(["bash", str(REPO / "scripts" / script)], check=False).returncode:
            raise PlatformError(f"scripts/{script} failed (its output is above)")


def venv_airflow_version(venv: Path = VENV) -> str:
    """Airflow's version in the venv, read from its installed metadata: importing Airflow
    to ask would cost seconds (more on a loaded machine) before every start."""
    site = [str(p) for p in venv.glob("lib/python3*/site-packages")]
    for dist in distributions(name="apache-airflow", path=site):
        return str(dist.version)
    raise PlatformError(f"{venv} has no Airflow; scripts/airflow-venv.sh builds it")


# --------------------------------------------------------------------------- supervisor


class Supervisor:
    """Processes of one state directory: start with a pid file, stop by that pid."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.run = state / "run"
        self.logs = state / "logs"

    def _recorded(self, name: str) -> tuple[int, str] | None:
        """The pid file: the pid and the identity it had when started (`_identity`)."""
        path = self.run / f"{name}.pid"
        if not path.exists():
            return None
        pid, _, identity = path.read_text().strip().partition(" ")
        return int(pid), identity

    def pid(self, name: str) -> int | None:
        """The pid `name` was started as, if that very process still has it: after a reboot
        or a crash the pid may belong to an unrelated process, which is none of ours."""
        recorded = self._recorded(name)
        if recorded is None or _identity(recorded[0]) != recorded[1]:
            return None
        return recorded[0]

    def _session(self, name: str) -> int | None:
        """The session `name` started: its pid while the leader still has it, and also after
        the leader died while nothing else has the pid (its orphans keep the session id, and
        the kernel does not hand out a pid still in use as one). None when an unrelated
        process has the pid now: the session is long gone."""
        recorded = self._recorded(name)
        if recorded is None:
            return None
        pid, identity = recorded
        current = _identity(pid)
        return pid if current is None or current == identity else None

    def names(self) -> list[str]:
        order = self.run / "order"
        return order.read_text().split() if order.exists() else []

    def running(self) -> dict[str, bool]:
        return {name: _running(self._session(name)) for name in self.names()}

    def processes(self, name: str) -> list[int]:
        """Every live pid of the session `name` started (the leader and what it started,
        task processes included): what `name` costs, for the benchmark's CPU figures."""
        pid = self._session(name)
        if pid is None:
            return []
        return [p for p in (pid, *_session_members(pid)) if _alive(p)]

    def start(
        self,
        name: str,
        args: list[str],
        env: Mapping[str, str] | None = None,
        service_user: bool = False,
    ) -> int:
        self.run.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")  # the child inherits it; closed below
        try:
            proc = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                cwd=self.state,
                start_new_session=True,  # its own process group: stopped as a whole
                **(_service_user() if service_user else {}),
            )
        finally:
            log.close()
        (self.run / f"{name}.pid").write_text(f"{proc.pid} {_identity(proc.pid)}")
        names = self.names()
        if name not in names:
            (self.run / "order").write_text(" ".join([*names, name]))
        return proc.pid

    def signal(self, name: str, sig: signal.Signals) -> None:
        """Send `sig` to every process of the session `name` started, as a container's
        processes all die with it: Airflow 3.1+'s task supervisor moves each task into a
        process group of its own (setpgid), which the group signal alone would miss."""
        pid = self._session(name)
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
            for member in _session_members(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(member, sig)

    def stop(self, name: str, timeout: float = 30.0) -> None:
        self._stop([name], timeout)

    def stop_all(self, timeout: float = 30.0, last: Collection[str] = ()) -> None:
        """Stop every process, all at once (one after the other, the graceful shutdowns add
        up), those named in `last` after the others: servers outlive their clients, which
        would otherwise spend their shutdown retrying them."""
        names = list(reversed(self.names()))
        self._stop([n for n in names if n not in last], timeout)
        self._stop([n for n in names if n in last], timeout)
        (self.run / "order").unlink(missing_ok=True)

    def _stop(self, names: list[str], timeout: float) -> None:
        """SIGTERM to each, then SIGKILL to whatever of them still runs after `timeout`."""
        pids = {name: self._session(name) for name in names}
        for name in pids:
            self.signal(name, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(map(_running, pids.values())) and time.monotonic() < deadline:
            time.sleep(0.2)
        for name, pid in pids.items():
            if pid:
                # The leader (the restart loop) dies at once; what it started may still be
                # shutting down, and is killed by session even with the leader gone.
                # The leader by its identity: its pid may be an unrelated process's by now.
                leader = [pid] if self.pid(name) == pid else []
                for member in (*leader, *_session_members(pid)):
                    if _alive(member):
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.kill(member, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            (self.run / f"{name}.pid").unlink(missing_ok=True)


# --------------------------------------------------------------------------- servers


def _pki(state: Path) -> Path:
    """A throwaway CA and a server certificate for 127.0.0.1 (PostgreSQL and Redis TLS)."""
    pki = state / "pki"
    if (pki / "server.crt").exists():
        return pki
    pki.mkdir(parents=True, exist_ok=True)

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=pki)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
        "/CN=airflow-local-ca", "-keyout", "ca.key", "-out", "ca.crt")  # fmt: skip
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")  # fmt: skip
    (pki / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "30", "-extfile", "san.ext", "-out", "server.crt")  # fmt: skip
    (pki / "server.key").chmod(0o600)
    _chown(pki)
    return pki


def _secrets(state: Path) -> Secrets:
    path = state / "secrets.json"
    if path.exists():
        return Secrets(**json.loads(path.read_text()))
    value = Secrets(
        db_password=random.token_hex(16),
        redis_password=random.token_hex(24),
        fernet_key=urlsafe_b64encode(random.token_bytes(32)).decode(),
        jwt_secret=random.token_hex(32),
        api_secret_key=random.token_hex(32),
        admin_password=random.token_urlsafe(12),
    )
    path.write_text(json.dumps(asdict(value)))
    path.chmod(0o600)
    return value


def _postgres(sup: Supervisor, cfg: LocalConfig, ports: Ports, secrets: Secrets, pki: Path) -> None:
    data = sup.state / "postgres" / "data"
    sock = sup.state / "postgres"
    if not (data / "PG_VERSION").exists():
        sock.mkdir(parents=True, exist_ok=True)
        pwfile = sock / "pwfile"
        pwfile.write_text(secrets.db_password + "\n")
        _chown(sock)
        subprocess.run(
            [_pg_bin("initdb"), "-D", str(data), "-U", "airflow", "--pwfile", str(pwfile),
             "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8"],
            check=True, capture_output=True, **_service_user(),
        )  # fmt: skip
        pwfile.unlink()
    sup.start(
        "postgres",
        [_pg_bin("postgres"), "-D", str(data), "-c", "listen_addresses=127.0.0.1",
         "-c", f"port={ports.postgres}", "-c", f"unix_socket_directories={sock}",
         "-c", "ssl=on", "-c", f"ssl_cert_file={pki / 'server.crt'}",
         "-c", f"ssl_key_file={pki / 'server.key'}", "-c", "max_connections=200"],
        service_user=True,
    )  # fmt: skip
    _wait("PostgreSQL", lambda: _tcp_open(ports.postgres), 30, sup.logs / "postgres.log")
    psql = [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(ports.postgres), "-U", "airflow"]
    env = {**os.environ, "PGPASSWORD": secrets.db_password}
    _wait(
        "PostgreSQL accepting logins",
        lambda: subprocess.run([*psql, "-c", "select 1", "postgres"], env=env, check=False,
                               capture_output=True).returncode == 0,
        30,
    )  # fmt: skip
    exists = subprocess.run(
        [*psql, "-tAc", f"select 1 from pg_database where datname='{cfg.database}'", "postgres"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    if exists.stdout.strip() != "1":
        subprocess.run([*psql, "-c", f'create database "{cfg.database}"', "postgres"],
                       env=env, check=True, capture_output=True)  # fmt: skip


def _pgbouncer(sup: Supervisor, cfg: LocalConfig, ports: Ports) -> None:
    if cfg.pgbouncer_ini is None or cfg.pgbouncer_users is None:
        return
    home = sup.state / "pgbouncer"
    home.mkdir(parents=True, exist_ok=True)
    (home / "pgbouncer.ini").write_text(cfg.pgbouncer_ini)
    (home / "users.txt").write_text(cfg.pgbouncer_users)
    (home / "users.txt").chmod(0o600)
    _chown(home)
    start_pgbouncer(sup)


def start_pgbouncer(sup: Supervisor) -> None:
    """PgBouncer with the config `_pgbouncer` wrote (also to restart it)."""
    pgbouncer = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    sup.start("pgbouncer", [pgbouncer, str(sup.state / "pgbouncer" / "pgbouncer.ini")],
              service_user=True)  # fmt: skip
    port = read_ports(sup.state / "ports.json").pgbouncer
    _wait("PgBouncer", lambda: _tcp_open(port), 20, sup.logs / "pgbouncer.log")


def start_redis(sup: Supervisor, ports: Ports, secrets: Secrets) -> None:
    """Redis with TLS only (the throwaway CA) and a password, like ElastiCache in transit."""
    home, pki = sup.state / "redis", sup.state / "pki"
    home.mkdir(parents=True, exist_ok=True)
    _chown(home)
    sup.start(
        "redis",
        ["redis-server", "--bind", "127.0.0.1", "--port", "0", "--tls-port", str(ports.redis),
         "--tls-cert-file", str(pki / "server.crt"), "--tls-key-file", str(pki / "server.key"),
         "--tls-ca-cert-file", str(pki / "ca.crt"), "--tls-auth-clients", "no",
         "--requirepass", secrets.redis_password, "--dir", str(home),
         "--appendonly", "yes", "--save", ""],
        service_user=True,
    )  # fmt: skip
    _wait("Redis", lambda: _tcp_open(ports.redis), 20, sup.logs / "redis.log")


def _moto(sup: Supervisor, ports: Ports) -> str:
    """moto's server; returns its account id (STS), which ARNs are built from."""
    moto = venv_of(sup.state) / "bin/moto_server"
    sup.start("moto", [str(moto), "-H", "127.0.0.1", "-p", str(ports.moto)])
    _wait("moto server", lambda: _tcp_open(ports.moto), 60, sup.logs / "moto.log")
    sts = aws_client("sts", ports.moto, "us-east-1")
    return str(sts.get_caller_identity()["Account"])


def aws_client(service: str, moto_port: int, region: str) -> Any:
    """A botocore client for the moto server (the main venv has botocore, not boto3)."""
    import botocore.session

    session = botocore.session.get_session()
    return session.create_client(
        service,
        region_name=region,
        endpoint_url=f"http://127.0.0.1:{moto_port}",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def seed_aws(cfg: LocalConfig, ports: Ports) -> None:
    """What the workspace, data and alerting components create, by the same names."""
    s3 = aws_client("s3", ports.moto, cfg.region)
    for bucket in filter(None, (cfg.data_bucket, cfg.log_bucket)):
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=bucket)
    sm = aws_client("secretsmanager", ports.moto, cfg.region)
    for name, value in cfg.aws_secrets.items():
        try:
            sm.create_secret(Name=name, SecretString=value)
        except sm.exceptions.ResourceExistsException:
            sm.put_secret_value(SecretId=name, SecretString=value)
    sns = aws_client("sns", ports.moto, cfg.region)
    for topic in (cfg.alert_topic, cfg.chat_topic):
        sns.create_topic(Name=topic)


# --------------------------------------------------------------------------- Airflow


def venv_of(state: Path) -> Path:
    """The Airflow venv the platform in `state` runs: .venv-airflow, or the one `start` was
    given (the upgrade rehearsal runs other Airflow versions on the same servers)."""
    meta = state / "platform.json"
    chosen = json.loads(meta.read_text()).get("venv") if meta.exists() else None
    return Path(chosen) if chosen else VENV


def _airflow(state: Path, *args: str) -> list[str]:
    return [str(venv_of(state) / "bin/airflow"), *args]


# Airflow processes come back when they exit, as the chart's pods do (restartPolicy: Always):
# a triggerer that exits on a lost database connection is restarted, not left dead. Stopping
# the group (SIGTERM or SIGKILL) ends the loop with the process.
RESTART_LOOP = 'while :; do "$@"; echo "exited with $?; restarting in 2 s"; sleep 2; done'


def start_airflow_process(sup: Supervisor, cfg: LocalConfig, name: str) -> int:
    """Start `name`; returns the size its log had before, where this start's lines begin
    (for `worker_ready`: the log keeps the lines of earlier starts)."""
    log = sup.logs / f"{name}.log"
    offset = log.stat().st_size if log.exists() else 0
    process = next(p for p in cfg.processes if p.name == name)
    args = list(process.args)
    if process.port is not None:
        args += ["--host", "127.0.0.1", "--port", str(process.port)]
    command = ["bash", "-c", RESTART_LOOP, f"airflow-{name}", *_airflow(sup.state, *args)]
    sup.start(name, command, env=airflow_env(cfg))
    return offset


def airflow_env(cfg: LocalConfig) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_"))}
    return {**keep, **cfg.env, "PYTHONUNBUFFERED": "1"}


def health(api_url: str, path: str = HEALTH_PATH) -> dict[str, Any] | None:
    """The health report at `path` (the core API's by default), None while none answers."""
    try:
        with urllib.request.urlopen(api_url + path, timeout=3) as response:
            return dict(json.loads(response.read()))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def healthy(api_url: str, components: Iterable[str]) -> bool:
    report = health(api_url)
    if not report:
        return False
    return all(report.get(c, {}).get("status") == "healthy" for c in components)


def worker_ready(sup: Supervisor, since: int = 0) -> bool:
    """Whether the Celery worker logged ` ready.` after byte `since` of its log (the offset
    `start_airflow_process` returned: an earlier start's line says nothing about this one)."""
    log = sup.logs / "worker.log"
    if not log.exists():
        return False
    with log.open("rb") as f:
        f.seek(since)
        return b" ready." in f.read()


# --------------------------------------------------------------------------- API


def start(
    stack: str = "prod",
    *,
    port: int = 8080,
    state: str | Path | None = None,
    port_base: int | None = None,
    fast: bool = False,
    extra_dags: tuple[Path, ...] = (),
    airflow_defaults: bool = False,
    features: Collection[str] = (),
    tuning: Mapping[str, str] | None = None,
    install: bool = True,
    echo: Callable[[str], None] = print,
    sign_in: LocalSignIn | None = None,
    start_timeout: float = START_TIMEOUT,
    venv: Path | None = None,
) -> Platform:
    """Start the local platform of `stack` and return once every process is healthy.

    A platform already running in `state` is left as it is (and returned). `fast` applies
    FAST_TEST_TUNING; `extra_dags` adds DAG folders (bundles) beside dags/, for tests;
    `sign_in` lets people sign in through an OpenID Connect provider (local/sign_in.py);
    `airflow_defaults`, `features` and `tuning`: the benchmark's configurations
    (`local_config`).
    `venv` runs another Airflow venv than .venv-airflow, at whatever version it has (the
    upgrade rehearsal); `airflow db migrate` then takes the database to that version, and
    `last_migration` says how long it took."""
    home = state_dir(state)
    sup = Supervisor(home)
    settings = stack_settings(stack)
    if any(sup.running().values()):
        meta = json.loads((home / "platform.json").read_text())
        if meta["stack"] != stack:
            raise PlatformError(f"{home} runs stack {meta['stack']}; `make local-down` first")
        echo(f"The {stack} platform is already running in {home}; nothing changed.")
        return _platform(home, settings)
    if install:
        ensure_installed()
    version = venv_airflow_version(venv or VENV)
    if venv is None and version != settings.airflow.version:
        raise PlatformError(
            f"airflowVersion: the {stack} stack runs Airflow {settings.airflow.version}, "
            f".venv-airflow has {version} (tests/dags/requirements-airflow.txt pins it)"
        )
    if os.geteuid() == 0:
        # The state folder itself is made 0755 below (a mkdtemp folder is 0700): only the
        # folders above it must let the servers' user through.
        blocked = blocked_ancestor(home.parent, SERVICE_USER)
        if blocked is not None:
            raise PlatformError(
                f"{home}: the servers run as {SERVICE_USER}, who cannot enter {blocked} "
                f"(mode {stat.S_IMODE(blocked.stat().st_mode):o}); set AIRFLOW_LOCAL_HOME "
                "outside it, or leave it unset"
            )
    home.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        home.chmod(0o755)  # the servers' user must reach its own folders inside
    ports_file = home / "ports.json"
    if ports_file.exists() and port_base is None:
        ports = replace(read_ports(ports_file), api=port)
    else:
        ports = choose_ports(port, port_base)
    ensure_ports_free(ports)
    ports_file.write_text(json.dumps(asdict(ports)))
    (home / "platform.json").write_text(
        json.dumps(
            {
                "stack": stack,
                "fast": fast,
                "extra_dags": [str(p) for p in extra_dags],
                "airflow_defaults": airflow_defaults,
                "sign_in": sign_in.as_json() if sign_in else None,
                "features": sorted(features),
                "tuning": dict(tuning or {}),
                "venv": str(venv) if venv else None,
                "airflow_version": version,
            }
        )
    )
    started = time.monotonic()
    try:
        _start_all(sup, settings, ports, echo, start_timeout)
    except subprocess.CalledProcessError as exc:
        sup.stop_all(last=SERVERS)
        raise PlatformError(_failed_command(exc)) from None
    except BaseException:
        sup.stop_all(last=SERVERS)
        raise
    platform = _platform(home, settings)
    echo(f"Healthy in {time.monotonic() - started:.0f} s.")
    return platform


def _failed_command(exc: subprocess.CalledProcessError) -> str:
    """One line: which command failed and the last thing it said."""
    said = exc.stderr or exc.output or b""
    text = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    command = Path(str(exc.cmd[0] if isinstance(exc.cmd, list | tuple) else exc.cmd)).name
    return f"{command} failed (exit {exc.returncode}): {lines[-1] if lines else 'no output'}"


def _platform(home: Path, settings: Settings) -> Platform:
    cfg = _config(home, settings)
    ports = read_ports(home / "ports.json")
    return Platform(
        settings.stack, home, ports, cfg.api_url, "admin", _secrets(home).admin_password, cfg
    )


def _config(home: Path, settings: Settings) -> LocalConfig:
    """The platform's configuration from what `start` recorded in the state directory."""
    meta = json.loads((home / "platform.json").read_text())
    return local_config(
        settings,
        ports=read_ports(home / "ports.json"),
        secrets=_secrets(home),
        state=home,
        ca_file=home / "pki/ca.crt",
        account_id=meta.get("account", "000000000000"),
        fast=meta["fast"],
        extra_dag_folders=[Path(p) for p in meta["extra_dags"]],
        airflow_defaults=meta.get("airflow_defaults", False),
        sign_in=bool(meta.get("sign_in")),
        features=meta.get("features", ()),
        tuning=meta.get("tuning"),
    )


def _start_all(
    sup: Supervisor,
    settings: Settings,
    ports: Ports,
    echo: Callable[[str], None],
    start_timeout: float = START_TIMEOUT,
) -> None:
    home = sup.state
    began = time.monotonic()
    secrets = _secrets(home)
    pki = _pki(home)
    echo(f"Starting the {settings.stack} platform in {home}")
    account = _moto(sup, ports)
    meta = json.loads((home / "platform.json").read_text())
    (home / "platform.json").write_text(json.dumps({**meta, "account": account}))
    cfg = _config(home, settings)
    seed_aws(cfg, ports)
    _postgres(sup, cfg, ports, secrets, pki)
    _pgbouncer(sup, cfg, ports)
    start_redis(sup, ports, secrets)
    airflow_home = home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    (home / "passwords.json").write_text(json.dumps({"admin": secrets.admin_password}))
    if meta.get("sign_in"):
        install_sign_in(
            LocalSignIn(**meta["sign_in"]),
            airflow_home=airflow_home,
            secretsmanager=aws_client("secretsmanager", ports.moto, cfg.region),
        )
    echo(f"Servers up in {time.monotonic() - began:.0f} s; migrating the metadata database")
    migrate_began = time.monotonic()
    migrate = subprocess.run(
        _airflow(home, "db", "migrate"),
        env=airflow_env(cfg),
        capture_output=True,
        text=True,
        check=False,
    )
    (home / "migration.json").write_text(
        json.dumps(
            {
                "seconds": round(time.monotonic() - migrate_began, 1),
                "returncode": migrate.returncode,
                "output": (migrate.stdout + migrate.stderr)[-20000:],
            }
        )
    )
    if migrate.returncode != 0:
        raise PlatformError("airflow db migrate failed:\n" + migrate.stdout[-3000:]
                            + migrate.stderr[-3000:])  # fmt: skip
    count = len(cfg.processes)
    echo(f"Migrated at {time.monotonic() - began:.0f} s; starting {count} Airflow processes")
    offsets = {p.name: start_airflow_process(sup, cfg, p.name) for p in cfg.processes}
    components = ["metadatabase", "scheduler", "triggerer", "dag_processor"]
    _wait("Airflow (API server, schedulers, triggerer, DAG processor)",
          lambda: healthy(cfg.api_url, components), start_timeout,
          sup.logs / "api-server.log")  # fmt: skip
    execution = next((p for p in cfg.processes if p.name == EXECUTION_API), None)
    if execution is not None:
        # The Task Execution API in its own process: the tasks' only way in.
        url = f"http://127.0.0.1:{execution.port}"
        _wait(f"the {execution.name} process",
              lambda: (health(url, EXECUTION_HEALTH_PATH) or {}).get("status") == "healthy",
              start_timeout, sup.logs / f"{execution.name}.log")  # fmt: skip
    # Started with the others: on loaded cores it can be ready well after the API server.
    _wait("the Celery worker", lambda: worker_ready(sup, offsets["worker"]), start_timeout,
          sup.logs / "worker.log")  # fmt: skip


def configuration(state: str | Path | None, settings: Settings) -> LocalConfig:
    """The configuration of the platform recorded in `state` (ports, secrets, options)."""
    return _config(state_dir(state), settings)


def last_migration(state: str | Path | None = None) -> dict[str, Any]:
    """The last start's `airflow db migrate`: seconds, returncode and its output's tail."""
    migration: dict[str, Any] = json.loads((state_dir(state) / "migration.json").read_text())
    return migration


def stop_airflow(state: str | Path | None = None, grace: float = 30.0) -> None:
    """Stop the Airflow processes and leave the servers running (PostgreSQL, PgBouncer,
    Redis, moto): for database work such as `airflow db downgrade`."""
    home = state_dir(state)
    sup = Supervisor(home)
    for name in [n for n in sup.names() if n not in SERVERS]:
        sup.stop(name, timeout=grace)


def stop(state: str | Path | None = None, keep: bool = False, grace: float = 30.0) -> None:
    """Stop every process the platform started (by pid); remove the state directory
    unless `keep`, which keeps the database, keys and ports for the next start. `grace`:
    how long a graceful shutdown may take (a Celery worker waits for its running task)."""
    home = state_dir(state)
    Supervisor(home).stop_all(timeout=grace, last=SERVERS)
    if not keep and home.exists():
        shutil.rmtree(home)


def status(state: str | Path | None = None) -> dict[str, Any]:
    """What runs (process -> pid, alive) and the API server's health report."""
    home = state_dir(state)
    sup = Supervisor(home)
    report: dict[str, Any] = {"state": str(home), "processes": {}}
    for name, alive in sup.running().items():
        report["processes"][name] = {"pid": sup.pid(name), "alive": alive}
    ports_file = home / "ports.json"
    if ports_file.exists():
        ports = read_ports(ports_file)
        report["api_url"] = f"http://127.0.0.1:{ports.api}"
        report["health"] = health(report["api_url"])
    return report


__all__ = [
    "DAGS_FOLDER",
    "Platform",
    "PlatformError",
    "Supervisor",
    "airflow_env",
    "configuration",
    "last_migration",
    "start",
    "status",
    "stop",
    "stop_airflow",
    "venv_of",
]
