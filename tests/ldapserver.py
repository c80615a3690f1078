"""A real LDAP directory for tests: OpenLDAP's slapd (`apt-get install slapd ldap-utils`).

Each run gets its own configuration and database in a temporary directory and
listens on a free loopback port, so it never touches a system slapd. Users and
groups are loaded with `ldapadd`, as an administrator would.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server import free_port

SUFFIX = "dc=qou,dc=edu"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-root-secret"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def missing_tools() -> str | None:
    """Why the directory cannot run here, or None."""
    for tool in ("slapd", "ldapadd"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed (apt-get install slapd ldap-utils)"
    return None


def _slapd() -> str:
    return shutil.which("slapd") or "/usr/sbin/slapd"


@contextmanager
def slapd(workdir: Path, ldif: str) -> Iterator[str]:
    """Run slapd with `ldif` loaded under dc=qou,dc=edu; yields its ldap:// URL."""
    db = workdir / "db"
    db.mkdir(parents=True)
    conf = workdir / "slapd.conf"
    conf.write_text(
        "\n".join(
            [
                *(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                f"pidfile {workdir / 'slapd.pid'}",
                f"argsfile {workdir / 'slapd.args'}",
                "database mdb",
                "maxsize 10485760",
                f'suffix "{SUFFIX}"',
                f'rootdn "{ROOT_DN}"',
                f"rootpw {ROOT_PASSWORD}",
                f"directory {db}",
                # Anyone may read names and groups (to search); only the owner checks a password.
                "access to attrs=userPassword by self write by anonymous auth by * none",
                "access to * by * read",
            ]
        )
        + "\n"
    )
    port = free_port()
    url = f"ldap://127.0.0.1:{port}/"
    log = (workdir / "slapd.log").open("wb")
    # -d keeps slapd in the foreground, so the fixture owns the process and stops it by its id.
    process = subprocess.Popen([_slapd(), "-f", str(conf), "-h", url, "-d", "0"], stdout=log, stderr=log)
    try:
        _wait_for(port, process, workdir)
        seed = workdir / "seed.ldif"
        seed.write_text(ldif, "utf-8")
        subprocess.run(
            ["ldapadd", "-x", "-H", url, "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f", str(seed)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for(port: int, process: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {(workdir / 'slapd.log').read_text(errors='replace')[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("slapd did not start listening within 20 s")
