"""Connecting: AUTH and ACL users, db and client name, RESP3 HELLO, Unix sockets, TLS."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import leanredis
from leanredis import AuthenticationError, ConnectionError, ResponseError
from leanredis.server import RedisServer, free_port

SECRET = "s3cret-Pa55"


@pytest.fixture(scope="module")
def auth_server(server_binary: str) -> Iterator[RedisServer]:
    """A server with a default-user password and an ACL user 'alice'."""
    with RedisServer(server_binary, extra_args=["--requirepass", SECRET], unix_socket=True) as server:
        import redis

        admin = redis.Redis(host="127.0.0.1", port=server.port, password=SECRET)
        admin.execute_command("ACL", "SETUSER", "alice", "on", ">alice-pw", "~app:*", "+@all")
        admin.close()
        yield server


@pytest.mark.parametrize("protocol", [2, 3])
async def test_password_and_acl_user_authenticate(auth_server: RedisServer, protocol: int) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=auth_server.port, password=SECRET, protocol=protocol) as r:
        assert await r.ping() is True
        # as redis-py returns it: str, bytes with protocol=3 given (its RESP3 shapes)
        assert await r.acl_whoami() == (b"default" if protocol == 3 else "default")
    async with leanredis.Redis(
        host="127.0.0.1", port=auth_server.port, username="alice", password="alice-pw", protocol=protocol
    ) as alice:
        assert await alice.set("app:1", "x") is True
        assert await alice.acl_whoami() == (b"alice" if protocol == 3 else "alice")
        with pytest.raises(leanredis.NoPermissionError):
            await alice.set("other:1", "x")  # outside alice's key pattern
        assert await alice.get("app:1") == b"x"  # and the connection is still fine


@pytest.mark.parametrize("protocol", [2, 3])
async def test_wrong_password_raises_authentication_error_without_the_secret(
    auth_server: RedisServer, protocol: int
) -> None:
    wrong = "wrong-" + SECRET
    r = leanredis.Redis(host="127.0.0.1", port=auth_server.port, password=wrong, protocol=protocol)
    with pytest.raises(AuthenticationError) as info:
        await r.ping()
    text = f"{info.value} {info.value!r} {r!r} {r.options!r}"
    assert wrong not in text and SECRET not in text
    # every caller waiting on that connect gets the error once, then the client can be retried
    results = await __import__("asyncio").gather(r.get("a"), r.get("b"), return_exceptions=True)
    assert all(isinstance(x, AuthenticationError) for x in results)
    await r.aclose()


@pytest.mark.parametrize("protocol", [2, 3])
async def test_a_username_alone_logs_in_as_that_nopass_user_as_in_redis_py(
    redis_server: RedisServer, protocol: int
) -> None:
    import redis.asyncio

    admin = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port)
    await admin.acl_setuser("carol", enabled=True, reset=True, nopass=True, commands=["+acl"], keys=["c:*"])
    try:
        for module in (redis.asyncio, leanredis):
            async with module.Redis(host="127.0.0.1", port=redis_server.port, username="carol", protocol=protocol) as r:
                assert await r.acl_whoami() in ("carol", b"carol")
    finally:
        await admin.acl_deluser("carol")
        await admin.aclose()


async def test_missing_password_is_an_authentication_error(auth_server: RedisServer) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=auth_server.port) as r:
        with pytest.raises(AuthenticationError, match="NOAUTH"):
            await r.get("x")


async def test_from_url_with_credentials_db_and_name(auth_server: RedisServer) -> None:
    url = f"redis://alice:alice-pw@127.0.0.1:{auth_server.port}/2?client_name=worker-7"
    async with leanredis.Redis.from_url(url) as r:
        assert await r.client_getname() == "worker-7"
        assert (await r.client_info())["db"] == 2


async def test_unix_socket_with_url(auth_server: RedisServer) -> None:
    assert auth_server.unix_socket_path is not None
    async with leanredis.Redis.from_url(f"unix://:{SECRET}@{auth_server.unix_socket_path}?db=1") as r:
        await r.set("k", "v")
        assert await r.get("k") == b"v"
        assert (await r.client_info())["db"] == 1


async def test_select_out_of_range_db_fails_the_connect_with_the_server_text(redis_server: RedisServer) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, db=100000) as r:
        with pytest.raises(ResponseError, match="DB index is out of range"):
            await r.ping()


async def test_resp3_hello_sets_the_protocol(redis_server: RedisServer) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, protocol=3, client_name="r3") as r:
        assert await r.ping() is True
        info = await r.client_info()
        assert info["resp"] == "3" and info["name"] == "r3"


async def test_connect_refused_is_a_connection_error_naming_the_address() -> None:
    port = free_port()
    async with leanredis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=2) as r:
        with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
            await r.ping()


async def test_connect_refused_says_it_in_redis_pys_words() -> None:
    """``Error 111 connecting to host:port. ...``: what redis.asyncio says, and what logs are searched for."""
    import errno

    import redis.asyncio

    port = free_port()
    wording = rf"^Error {errno.ECONNREFUSED} connecting to 127.0.0.1:{port}\. .+\.$"
    async with redis.asyncio.Redis(host="127.0.0.1", port=port, socket_connect_timeout=2) as theirs:
        with pytest.raises(redis.exceptions.ConnectionError, match=wording):
            await theirs.ping()
    async with leanredis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=2) as r:
        with pytest.raises(ConnectionError, match=wording):
            await r.ping()


# -- TLS ---------------------------------------------------------------------


def _make_certs(directory: Path) -> dict[str, str]:
    """A CA and a server certificate for 127.0.0.1, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl CLI not available to make test certificates")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=leanredis-test-ca")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    return {name: str(directory / name) for name in ("ca.crt", "server.crt", "server.key")}


@contextlib.contextmanager
def _tls_server(server_binary: str, certs: dict[str, str], *tls_args: str) -> Iterator[RedisServer]:
    """A server on a TLS port (``certs["port"]``, set here) with ``certs``' server certificate and CA and
    ``tls_args``; the test skips if this binary was built without TLS. Stopped after."""
    tls_port = free_port()
    server = RedisServer(
        server_binary,
        extra_args=[
            "--tls-port", str(tls_port),
            "--tls-cert-file", certs["server.crt"],
            "--tls-key-file", certs["server.key"],
            "--tls-ca-cert-file", certs["ca.crt"],
            *tls_args,
        ],
    )  # fmt: skip
    try:
        try:
            server.start()
        except RuntimeError as exc:
            if "TLS" in str(exc) or "tls" in str(exc):
                pytest.skip(f"this server binary was built without TLS ({server.binary})")
            raise
        certs["port"] = str(tls_port)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tls_server(
    server_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RedisServer, dict[str, str]]]:
    certs = _make_certs(tmp_path_factory.mktemp("certs"))
    with _tls_server(server_binary, certs, "--tls-auth-clients", "no") as server:
        yield server, certs


async def test_tls_with_a_generated_certificate(tls_server: tuple[RedisServer, dict[str, str]]) -> None:
    _, certs = tls_server
    async with leanredis.Redis(
        host="127.0.0.1", port=int(certs["port"]), ssl=True, ssl_ca_certs=certs["ca.crt"]
    ) as r:
        await r.set("tls", "yes")
        assert await r.get("tls") == b"yes"
    url = f"rediss://127.0.0.1:{certs['port']}/0?ssl_ca_certs={certs['ca.crt']}"
    async with leanredis.Redis.from_url(url, protocol=3) as r:
        assert await r.get("tls") == b"yes"


async def test_tls_with_an_unknown_ca_fails_to_connect(tls_server: tuple[RedisServer, dict[str, str]]) -> None:
    _, certs = tls_server
    async with leanredis.Redis(host="127.0.0.1", port=int(certs["port"]), ssl=True, socket_connect_timeout=5) as r:
        with pytest.raises(ConnectionError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            await r.ping()


@pytest.fixture(scope="module")
def tls12_server(
    server_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RedisServer, dict[str, str]]]:
    """A TLS server that speaks TLS 1.2 only, with one cipher: for ssl_min_version and ssl_ciphers."""
    certs = _make_certs(tmp_path_factory.mktemp("certs12"))
    only_tls12 = ("--tls-protocols", "TLSv1.2", "--tls-ciphers", "ECDHE-RSA-AES128-GCM-SHA256")
    with _tls_server(server_binary, certs, "--tls-auth-clients", "no", *only_tls12) as server:
        yield server, certs


async def test_ssl_min_version_refuses_an_older_server(tls12_server: tuple[RedisServer, dict[str, str]]) -> None:
    import ssl

    _, certs = tls12_server
    common = {"host": "127.0.0.1", "port": int(certs["port"]), "ssl": True, "ssl_ca_certs": certs["ca.crt"]}
    async with leanredis.Redis(**common, ssl_min_version=ssl.TLSVersion.TLSv1_2) as r:
        assert await r.ping() is True
    async with leanredis.Redis(**common, ssl_min_version=ssl.TLSVersion.TLSv1_3, retry=None) as r:
        with pytest.raises(ConnectionError, match="(?i)version|protocol"):
            await r.ping()


async def test_ssl_ciphers_limit_what_the_client_offers(tls12_server: tuple[RedisServer, dict[str, str]]) -> None:
    _, certs = tls12_server
    common = {"host": "127.0.0.1", "port": int(certs["port"]), "ssl": True, "ssl_ca_certs": certs["ca.crt"]}
    async with leanredis.Redis(**common, ssl_ciphers="ECDHE-RSA-AES128-GCM-SHA256") as r:
        assert await r.ping() is True
        transport = r.connection._proto.transport  # type: ignore[union-attr]
        assert transport.get_extra_info("cipher")[0] == "ECDHE-RSA-AES128-GCM-SHA256"
    async with leanredis.Redis(**common, ssl_ciphers="ECDHE-RSA-AES256-GCM-SHA384", retry=None) as r:
        with pytest.raises(ConnectionError):
            await r.ping()  # nothing in common with the server's one cipher
    with pytest.raises(leanredis.DataError, match="ssl_ciphers"):
        leanredis.Redis(ssl=True, ssl_ciphers="NO-SUCH-CIPHER")


async def test_ssl_ca_path_names_a_directory_of_hashed_ca_certificates(
    tls_server: tuple[RedisServer, dict[str, str]], tmp_path: Path
) -> None:
    _, certs = tls_server
    openssl = shutil.which("openssl")
    assert openssl is not None
    subject_hash = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", certs["ca.crt"]], check=True, capture_output=True, text=True
    ).stdout.strip()
    shutil.copy(certs["ca.crt"], tmp_path / f"{subject_hash}.0")
    async with leanredis.Redis(
        host="127.0.0.1", port=int(certs["port"]), ssl=True, ssl_ca_path=str(tmp_path), socket_connect_timeout=5
    ) as r:
        assert await r.ping() is True


@pytest.fixture(scope="module")
def mtls_server(
    server_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RedisServer, dict[str, str]]]:
    """A TLS server that requires a client certificate signed by its CA."""
    directory = tmp_path_factory.mktemp("mtls")
    certs = _make_certs(directory)
    openssl = shutil.which("openssl")
    assert openssl is not None
    # the server's own key, encrypted: a client key that needs ssl_password
    subprocess.run(
        [openssl, "pkey", "-in", certs["server.key"], "-aes256", "-passout", "pass:key-pw", "-out", "enc.key"],
        check=True, capture_output=True, cwd=directory,
    )
    certs["enc.key"] = str(directory / "enc.key")
    with _tls_server(server_binary, certs, "--tls-auth-clients", "yes") as server:
        yield server, certs


async def test_client_certificate_from_ssl_certfile_keyfile_and_password(
    mtls_server: tuple[RedisServer, dict[str, str]],
) -> None:
    _, certs = mtls_server
    ca_data = Path(certs["ca.crt"]).read_text()
    common = {"host": "127.0.0.1", "port": int(certs["port"]), "ssl": True, "ssl_ca_data": ca_data, "retry": None}
    async with leanredis.Redis(**common, ssl_certfile=certs["server.crt"], ssl_keyfile=certs["server.key"]) as r:
        assert await r.ping() is True
    async with leanredis.Redis(
        **common, ssl_certfile=certs["server.crt"], ssl_keyfile=certs["enc.key"], ssl_password="key-pw"
    ) as r:
        assert await r.ping() is True
    async with leanredis.Redis(**common, socket_connect_timeout=5) as r:
        with pytest.raises(ConnectionError):
            await r.ping()  # no client certificate: the server refuses


async def test_ssl_cert_reqs_and_check_hostname_decide_what_is_verified(
    tls_server: tuple[RedisServer, dict[str, str]],
) -> None:
    _, certs = tls_server
    port = int(certs["port"])
    # no CA given: only ssl_cert_reqs="none" connects
    async with leanredis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_cert_reqs="none") as r:
        assert await r.ping() is True
    # the server listens on 127.0.0.1 only, which its certificate names: check_hostname is seen on the context
    assert leanredis.Redis(ssl=True).options.ssl.check_hostname is True  # type: ignore[union-attr]
    assert leanredis.Redis(ssl=True, ssl_check_hostname=False).options.ssl.check_hostname is False  # type: ignore[union-attr]
    async with leanredis.Redis(
        host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=certs["ca.crt"], ssl_check_hostname=False
    ) as r:
        assert await r.ping() is True


def test_ssl_verify_flags_are_added_and_removed() -> None:
    import ssl

    context = leanredis.make_ssl_context(
        ssl_include_verify_flags=[ssl.VerifyFlags.VERIFY_X509_STRICT],
        ssl_exclude_verify_flags=[ssl.VerifyFlags.VERIFY_X509_TRUSTED_FIRST],
    )
    assert context.verify_flags & ssl.VerifyFlags.VERIFY_X509_STRICT
    assert not context.verify_flags & ssl.VerifyFlags.VERIFY_X509_TRUSTED_FIRST
    r = leanredis.Redis(ssl=True, ssl_exclude_verify_flags=[ssl.VerifyFlags.VERIFY_X509_TRUSTED_FIRST])
    assert r.options.ssl is not None and not r.options.ssl.verify_flags & ssl.VerifyFlags.VERIFY_X509_TRUSTED_FIRST


@pytest.mark.timeout(30)
async def test_a_missing_unix_socket_is_named_as_redis_py_names_it(tmp_path: Path) -> None:
    """The error starts with redis-py's words and the path as given (code and people match on it)."""
    import redis.asyncio

    path = str(tmp_path / "nobody.sock")
    messages = []
    for module in (redis.asyncio, leanredis):
        client = module.Redis(unix_socket_path=path)
        try:
            with pytest.raises(Exception) as caught:
                await client.set("a", "b")
            assert isinstance(caught.value, (ConnectionError, redis.exceptions.ConnectionError))
            messages.append(str(caught.value))
        finally:
            await client.aclose()
    theirs, ours = messages
    assert theirs.startswith(f"Error 2 connecting to {path}.")
    assert ours.startswith(f"Error 2 connecting to {path}. No such file or directory")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("module", ["redis.asyncio", "leanredis"])
async def test_a_server_that_takes_hello_3_alone_and_client_setname_accepts_the_handshake(module: str) -> None:
    """HELLO 3 bare and CLIENT SETNAME apart, as redis-py greets: a proxy or server that knows HELLO but
    not its SETNAME option still lets a named client in. Anything else is answered -ERR (CLIENT SETINFO's
    is ignored by both clients)."""
    import redis.asyncio

    from .fakes import FakeServer, split_commands

    known = {
        (b"HELLO", b"3"): b"%1\r\n$5\r\nproto\r\n:3\r\n",
        (b"CLIENT", b"SETNAME", b"app-1"): b"+OK\r\n",
        (b"PING",): b"+PONG\r\n",
    }
    seen: list[tuple[bytes, ...]] = []

    async def serve(reader: Any, writer: Any) -> None:
        buffered = b""
        while data := await reader.read(65536):
            commands, buffered = split_commands(buffered + data)
            for command in commands:
                words = tuple(command.split(b"\r\n")[2:-1:2])
                seen.append(words)
                writer.write(known.get(tuple(w.upper() if i < 2 else w for i, w in enumerate(words)), b"-ERR\r\n"))
            await writer.drain()

    server = await FakeServer(lambda index: serve).start()
    lib: Any = redis.asyncio if module == "redis.asyncio" else leanredis
    client = lib.Redis(host="127.0.0.1", port=server.port, client_name="app-1", protocol=3, socket_timeout=5)
    try:
        assert await client.ping() is True
        assert (b"CLIENT", b"SETNAME", b"app-1") in seen
    finally:
        await client.aclose()
        await server.aclose()
