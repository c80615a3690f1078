"""A real OpenSearch node for tests and benchmarks, assembled from Maven Central (`tests/opensearch/`).

No OpenSearch distribution can be downloaded on these machines, but Maven
Central carries the server jar and the modules Mawrid needs. `pom.xml` lists
them; Maven resolves them into ~/.m2 (only the first run downloads) and
writes the classpath; javac compiles `MawridTestNode.java`, an embedded
`Node` with those plugins; `java` runs it on free loopback ports with a
small heap. Both outputs are cached in `tests/opensearch/target/` under
hashes of the pom and the main, so a warm start runs neither Maven nor javac.

`NodeUnavailable` means the machine cannot build a node (no Java or Maven,
or Maven cannot fetch the jars); the tests skip on it unless CI requires the
node. A node that is built but does not come up raises `RuntimeError` with
the end of its log.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SOURCE = Path(__file__).parent / "opensearch"
MAIN = "MawridTestNode"
START_TIMEOUT = 180.0  # seconds: a cold JVM on a shared 2-core machine
MAVEN_TIMEOUT = 600.0  # the first run downloads ~60 MB from Maven Central
STOP_GRACE = 15.0
JVM_OPTIONS = [
    "-Xms512m",
    "-Xmx512m",
    "-XX:+UseSerialGC",  # two cores shared with other work: no parallel collector threads
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
    "-Dlog4j2.disable.jmx=true",
    "-Dopensearch.set.netty.runtime.available.processors=false",  # the node sets it once itself
    "-Dio.netty.noUnsafe=true",
    "-Dio.netty.allocator.numDirectArenas=0",
]


class NodeUnavailable(Exception):
    """This machine cannot build the node: Java 17 or Maven is missing, or the jars cannot be fetched."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(target: Path = SOURCE / "target") -> str:
    """The node's classpath (compiled main first), building what the cache lacks."""
    java, javac, mvn = (shutil.which(tool) for tool in ("java", "javac", "mvn"))
    if not (java and javac and mvn):
        missing = [name for name, path in (("java", java), ("javac", javac), ("mvn", mvn)) if not path]
        raise NodeUnavailable(f"the OpenSearch tests need Java 17 and Maven ({', '.join(missing)} not on PATH)")
    out = target / _digest("pom.xml")  # the jars depend on the pom alone
    classpath_file, classes = out / "classpath.txt", out / f"classes-{_digest(f'{MAIN}.java')}"
    if classpath_file.exists():
        jars = classpath_file.read_text().strip()
        if all(os.path.exists(jar) for jar in jars.split(os.pathsep)):  # ~/.m2 may have been emptied since
            return os.pathsep.join([_compile(javac, jars, classes), jars])
    out.mkdir(parents=True, exist_ok=True)
    partial = out / "classpath.partial"
    goal = ["dependency:build-classpath", f"-Dmdep.outputFile={partial}"]
    try:
        maven = subprocess.run(
            [mvn, "-B", "-q", "-f", str(SOURCE / "pom.xml"), *goal],
            capture_output=True,
            text=True,
            timeout=MAVEN_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise NodeUnavailable(f"Maven did not fetch the OpenSearch jars within {MAVEN_TIMEOUT:.0f} s") from exc
    if maven.returncode != 0:
        raise NodeUnavailable(f"Maven could not fetch the OpenSearch jars: {(maven.stdout + maven.stderr)[-1500:]}")
    jars = partial.read_text().strip()
    partial.replace(classpath_file)  # complete: Maven wrote it all
    return os.pathsep.join([_compile(javac, jars, classes), jars])


def _digest(name: str) -> str:
    return hashlib.sha256((SOURCE / name).read_bytes()).hexdigest()[:16]


def _compile(javac: str, jars: str, classes: Path) -> str:
    """`classes`, holding the compiled main; built in a temporary directory first, so it is never half there."""
    if not classes.exists():
        partial = classes.with_name(f"{classes.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        command = [javac, "-d", str(partial), "-cp", jars, str(SOURCE / f"{MAIN}.java")]
        compiled = subprocess.run(command, capture_output=True, text=True)
        if compiled.returncode != 0:
            raise RuntimeError(f"javac failed on {MAIN}.java:\n{compiled.stdout}{compiled.stderr}")
        partial.replace(classes)
    return str(classes)


def _health(port: int) -> str | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/_cluster/health?wait_for_status=yellow&timeout=2s")
        return str(json.load(connection.getresponse())["status"])
    except (OSError, http.client.HTTPException, ValueError, KeyError):
        return None
    finally:
        connection.close()


@contextmanager
def opensearch_node(workdir: Path, *, classpath: str | None = None, timeout: float = START_TIMEOUT) -> Iterator[str]:
    """Run a single-node OpenSearch in `workdir` (from `classpath`, else `build()`'s); yields its HTTP URL
    once the cluster is at least yellow."""
    classpath = classpath or build()
    http_port, transport_port = free_port(), free_port()
    home = workdir / "home"
    (home / "config").mkdir(parents=True, exist_ok=True)
    log = workdir / "node.log"
    settings = {
        "path.home": home,
        "path.data": workdir / "data",
        "path.logs": workdir / "logs",
        "http.port": http_port,
        "transport.port": transport_port,
    }
    command = [
        shutil.which("java") or "java",
        *JVM_OPTIONS,
        f"-Djava.io.tmpdir={workdir}",
        "-cp",
        classpath,
        MAIN,
        *(f"-E{name}={value}" for name, value in settings.items()),
    ]
    url = f"http://127.0.0.1:{http_port}"
    with open(log, "wb") as out:
        # stdin stays open while we live: the node exits when it closes (see MawridTestNode.java)
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while _health(http_port) not in ("yellow", "green"):
            if proc.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {proc.returncode}" if proc.poll() is not None else f"not up after {timeout:.0f} s"
                raise RuntimeError(f"the OpenSearch node {state}; end of {log}:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)  # the node's shutdown hook closes it cleanly
        try:
            proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()
