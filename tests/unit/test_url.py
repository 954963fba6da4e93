"""URL parsing: every form redis.asyncio accepts, clear errors, no secret in any message."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import leanredis
from leanredis.exceptions import DataError
from leanredis.url import parse_url


def test_redis_url_with_user_password_host_port_and_db() -> None:
    assert parse_url("redis://alice:s%40cret@example.test:6380/3") == {
        "username": "alice",
        "password": "s@cret",
        "host": "example.test",
        "port": 6380,
        "db": 3,
    }


def test_password_only_url_has_no_username() -> None:
    assert parse_url("redis://:pw@localhost") == {"password": "pw", "host": "localhost"}


def test_rediss_url_turns_tls_on_and_keeps_ssl_options() -> None:
    kwargs = parse_url("rediss://h:1/0?ssl_cert_reqs=none&ssl_ca_certs=/ca.pem&ssl_check_hostname=false")
    assert kwargs == {
        "host": "h",
        "port": 1,
        "db": 0,
        "ssl": True,
        "ssl_cert_reqs": "none",
        "ssl_ca_certs": "/ca.pem",
        "ssl_check_hostname": False,
    }


def test_unix_url_takes_path_and_db_from_query() -> None:
    assert parse_url("unix:///tmp/redis.sock?db=2&decode_responses=true") == {
        "unix_socket_path": "/tmp/redis.sock",
        "db": 2,
        "decode_responses": True,
    }


def test_ipv6_host_and_query_options_are_typed() -> None:
    kwargs = parse_url("redis://[::1]:7000?socket_timeout=0.5&protocol=3&client_name=app&max_inflight=100")
    assert kwargs == {
        "host": "::1",
        "port": 7000,
        "socket_timeout": 0.5,
        "protocol": 3,
        "client_name": "app",
        "max_inflight": 100,
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://h:1", r"schemes \(redis://, rediss://, unix://\)"),
        ("localhost:6379", r"schemes \(redis://, rediss://, unix://\)"),
        ("redis://h:99999", "port"),
        ("redis://h:port", "port"),
        ("redis://h/abc", "database number"),
        ("redis://h?db=x", "integer"),
        ("redis://h?socket_timeout=soon", "seconds"),
        ("redis://h?decode_responses=maybe", "true or false"),
        ("redis://h?bogus=1", "unknown URL option"),
        ("unix://", "socket path"),
        ("redis://h?password=x", "user part"),
    ],
)
def test_malformed_urls_raise_data_error_saying_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_url(url)


def test_url_must_be_a_string() -> None:
    with pytest.raises(DataError, match="str"):
        parse_url(b"redis://h")  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["redis://u:hunter2@h:99999", "redis://u:hunter2@h/abc", "redis://u:hunter2@h?x=1"])
def test_errors_never_repeat_the_password(url: str) -> None:
    with pytest.raises(DataError) as info:
        parse_url(url)
    assert "hunter2" not in str(info.value)


def test_from_url_keyword_arguments_win_and_password_stays_out_of_repr() -> None:
    client = leanredis.Redis.from_url("redis://u:hunter2@127.0.0.1:7001/1", db=4, socket_timeout=2)
    options = client.options
    assert (options.host, options.port, options.db, options.username) == ("127.0.0.1", 7001, 4, "u")
    assert options.socket_timeout == 2
    assert "hunter2" not in repr(client)
    assert "hunter2" not in repr(options)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"port": "port-6379"}, "port"),
        ({"db": -1}, "db"),
        ({"protocol": 4}, "protocol"),
        ({"max_inflight": 0}, "max_inflight"),
        ({"overload_policy": "drop"}, "overload_policy"),
        ({"socket_timeout": -1}, "socket_timeout"),
        ({"password": 123}, "password"),
        ({"bogus_option": 1}, "unknown option"),
        ({"ssl_cert_reqs": "sometimes", "ssl": True}, "ssl_cert_reqs"),
    ],
)
def test_bad_client_options_raise_data_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DataError, match=message):
        leanredis.Redis(**kwargs)  # type: ignore[arg-type]


def test_redis_py_only_options_are_accepted_for_drop_in_use() -> None:
    client = leanredis.Redis(max_connections=10, retry_on_timeout=True, health_check_interval=30)
    assert client.options.port == 6379


def test_redis_py_query_options_are_parsed_as_redis_py_parses_them() -> None:
    import ssl

    kwargs = parse_url(
        "redis://h/1?socket_read_size=4096&retry_on_timeout=yes&max_connections=7&health_check_interval=15"
        "&timeout=2.5&ssl_min_version=772&ssl_include_verify_flags=[VERIFY_X509_STRICT, VERIFY_X509_PARTIAL_CHAIN]"
        "&ssl_exclude_verify_flags=VERIFY_X509_STRICT&legacy_responses=true&ssl_ca_path=/etc/ca&ssl_ciphers=HIGH"
    )
    assert kwargs == {
        "host": "h",
        "db": 1,
        "socket_read_size": 4096,
        "retry_on_timeout": True,
        "max_connections": 7,
        "health_check_interval": 15.0,
        "pool_timeout": 2.5,  # redis-py's BlockingConnectionPool wait
        "ssl_min_version": ssl.TLSVersion.TLSv1_3,
        "ssl_include_verify_flags": [ssl.VerifyFlags.VERIFY_X509_STRICT, ssl.VerifyFlags.VERIFY_X509_PARTIAL_CHAIN],
        "ssl_exclude_verify_flags": [ssl.VerifyFlags.VERIFY_X509_STRICT],
        "legacy_responses": True,
        "ssl_ca_path": "/etc/ca",
        "ssl_ciphers": "HIGH",
    }


def test_url_query_options_reach_the_client() -> None:
    client = leanredis.Redis.from_url("redis://h?max_connections=3&timeout=2&health_check_interval=0&retry_on_timeout=1")
    max_connections, pool_timeout, _, _, health_check_interval = client._pool_box.config
    assert (max_connections, pool_timeout, health_check_interval) == (3, 2.0, None)  # 0: no health check
    assert leanredis.TimeoutError in client.options.connect_retry_on


@pytest.mark.parametrize(
    "url, message",
    [
        ("redis://h?ssl_min_version=TLSv9", "ssl_min_version"),
        ("redis://h?ssl_include_verify_flags=NOPE", "ssl_include_verify_flags"),
        ("redis://h?legacy_responses=maybe", "legacy_responses"),
        ("redis://h?timeout=soon", "pool_timeout|seconds"),
        ("redis://h?no_such_thing=1", "unknown URL option 'no_such_thing'"),
    ],
)
def test_bad_redis_py_query_options_are_refused_by_name(url: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_url(url)


def test_legacy_responses_false_in_a_url_is_refused_by_the_client() -> None:
    with pytest.raises(DataError, match="legacy_responses=False is not supported"):
        leanredis.Redis.from_url("redis://h?legacy_responses=false")


# -- passwords that are not percent-encoded -----------------------------------------------------

SECRET = "Sup3rS3cr3t"


@pytest.mark.parametrize(
    "url",
    [
        f"redis://u:ab?{SECRET}@host:6379/0",  # urlsplit: host u, port "ab", query "Sup3rS3cr3t@host..."
        f"redis://u:ab1/{SECRET}@host:6379/0",
        f"redis://u:1/{SECRET}@host:6379/0",  # host u, port 1, then a "database" path
        f"redis://u:12#{SECRET}@host",  # host u, port 12, the rest a fragment: connected to the wrong host
        f"redis://u:12?db={SECRET}@host",
        f"redis://u:12?client_name={SECRET}@host",  # would have sent a piece of the password as the client name
        f"rediss://u:ab?{SECRET}@host:6380/0",
        f"unix://u:ab?{SECRET}@/tmp/redis.sock",
        f"unix://:1/{SECRET}@/tmp/redis.sock?db=1",
        f"redis://{SECRET}/x:pw@host",  # a username with '/'
    ],
)
def test_a_password_with_slash_question_mark_or_hash_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(DataError, match="must be percent-encoded") as info:
        parse_url(url)
    for text in (str(info.value), repr(info.value)):
        assert SECRET not in text and "ab1" not in text and "host" not in text, text


@pytest.mark.parametrize(
    "url",
    [
        f"u:{SECRET}@host",  # no scheme: urlsplit reads "u" as one
        f"redis://u:p\u2100{SECRET}@host:1/0?bogus=1",  # a character urlsplit refuses in a host, quoting the host
        f"redis://u:{SECRET}@host:99999",
        f"redis://u:{SECRET}@host/abc",
        f"redis://u:{SECRET}@host?bogus=1",
        f"redis://host/0?password={SECRET}&bogus=1",
        f"redis://host/0?bogus=1&password={SECRET}",
        f"redis://host/0?db=1&password=ab&{SECRET}=1",  # an unencoded '&' in a query password
        f"redis://u:{SECRET}@[::1/0",  # urlsplit refuses the host part ("Invalid IPv6 URL")
        f"redis://u:{SECRET}@ho\u2100st:1/0",  # and a host that NFKC-normalizes to a '/'
    ],
)
def test_other_malformed_urls_with_a_password_never_repeat_it(url: str) -> None:
    with pytest.raises(DataError) as info:
        parse_url(url)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value), str(info.value)


def test_a_percent_encoded_password_with_any_character_is_read_back_whole() -> None:
    from urllib.parse import quote

    password = "a/b?c#d@e:f%g&h[i]j k"
    for scheme, tail in (("redis", "host:1/2"), ("rediss", "host:1/2"), ("unix", "/tmp/r.sock?db=2")):
        kwargs = parse_url(f"{scheme}://user:{quote(password, safe='')}@{tail}")
        assert (kwargs["username"], kwargs["password"], kwargs["db"]) == ("user", password, 2)
    # an unencoded '@', ':', '[' or ']' is unambiguous: the user part ends at the last '@',
    # the username at the first ':'
    kwargs = parse_url("redis://u:a@b:c[d]@host:1")
    assert kwargs == {"username": "u", "password": "a@b:c[d]", "host": "host", "port": 1}


def test_an_at_sign_in_a_query_value_must_be_percent_encoded() -> None:
    with pytest.raises(DataError, match="%40"):
        parse_url("redis://host/0?client_name=me@example")
    assert parse_url("redis://host/0?client_name=me%40example")["client_name"] == "me@example"


_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.characters(
    blacklist_categories=("Cs", "Cc")  # printable beyond ASCII too (no surrogates nor control characters)
)


def _urls(secret: str) -> list[str]:
    """URLs carrying ``secret`` as their password, well formed and wrong in each way after it."""
    return [
        f"redis://user:{secret}@host:6379/0",
        f"redis://:{secret}@host",
        f"rediss://user:{secret}@host:6380/1?ssl_cert_reqs=none",
        f"unix://user:{secret}@/tmp/redis.sock?db=1",
        f"redis://user:{secret}@host:99999/0",
        f"redis://user:{secret}@host/notadb",
        f"redis://user:{secret}@host/0?socket_timeout=soon",
        f"redis://user:{secret}@host/0?bogus=1",
        f"unix://user:{secret}@",
        f"http://user:{secret}@host",
        f"redis://host/0?password={secret}",
        f"redis://host/0?socket_timeout=1&password={secret}&db=x",
    ]


def _texts_for(url: str) -> list[str]:
    """What a user sees of ``url``: its error, or the reprs of the clients made from it."""
    try:
        parse_url(url)
    except DataError as exc:
        return [str(exc), repr(exc), str(exc.args)]
    client = leanredis.Redis.from_url(url)
    texts = [repr(client), str(client), repr(client.options), repr(client.connection), repr(client.connection_pool)]
    if url.startswith("redis://:"):
        texts.append(repr(leanredis.RedisCluster.from_url(url)))
    return texts


# what these texts say whatever the password: a password found in them ("encoding", "0.1.0") proves nothing
_WITHOUT_SECRET = "\n".join(text for url in _urls("pw") for text in _texts_for(url))


@settings(max_examples=150, deadline=None)
@given(password=st.text(_PRINTABLE, min_size=8, max_size=40))
def test_no_random_password_ever_shows_in_url_errors_or_reprs(password: str) -> None:
    from urllib.parse import quote, unquote

    encoded = quote(password, safe="")
    assume(password not in _WITHOUT_SECRET and encoded not in _WITHOUT_SECRET)
    for secret in (password, encoded):
        for url in _urls(secret):
            for text in _texts_for(url):
                assert password not in text and encoded not in text, (url, text)
            try:
                kwargs = parse_url(url)
            except DataError:
                with pytest.raises(DataError) as again:
                    leanredis.Redis.from_url(url)
                assert password not in str(again.value) and encoded not in str(again.value)
                continue
            if "password" not in kwargs:  # ?password= cut off by a '#' at once: an empty option, left out
                assert password not in repr(kwargs) and encoded not in repr(kwargs)
                continue
            # parsed: the password is all of it (percent-decoded), and no piece of it went anywhere else
            assert kwargs["password"] == unquote(secret)
            assert kwargs.get("host", "host") == "host"
            assert kwargs.get("unix_socket_path", "/tmp/redis.sock") == "/tmp/redis.sock"
            expected = {"username", "password", "host", "port", "db", "ssl", "ssl_cert_reqs", "unix_socket_path"}
            assert set(kwargs) <= expected


@pytest.mark.parametrize("url", ["localhost", "http://u:secret@h:1"])
def test_a_url_without_a_redis_scheme_raises_redis_pys_very_message(url: str) -> None:
    """Code written for redis-py compares the message; neither names anything of the URL (a password)."""
    import redis.asyncio

    with pytest.raises(ValueError) as theirs:
        redis.asyncio.ConnectionPool.from_url(url)
    with pytest.raises(ValueError) as ours:
        leanredis.ConnectionPool.from_url(url)
    assert str(ours.value) == str(theirs.value)
    assert "secret" not in str(ours.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://h?db=3&db=4",
        "redis://h/2?socket_timeout=&socket_keepalive=&db=&client_name=",
        "redis://h?socket_timeout=1&socket_timeout=2&health_check_interval=",
    ],
)
def test_empty_and_repeated_query_options_are_read_as_redis_py_reads_them(url: str) -> None:
    import redis.asyncio.connection

    ours = parse_url(url)
    theirs = redis.asyncio.connection.parse_url(url)
    assert ours == theirs
