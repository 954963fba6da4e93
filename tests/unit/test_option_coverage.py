"""Every option redis.asyncio.Redis takes, and every URL query option it parses, is honoured or refused.

HONOURED names the test that proves each option's behaviour; REFUSED gives a value
that this client cannot honour and checks the DataError names the option. A new
redis-py option turns this red until it is placed in one of the two tables.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from redis.asyncio.connection import URL_QUERY_ARGUMENT_PARSERS
from redis.maint_notifications import MaintNotificationsConfig

import leanredis
from leanredis.exceptions import DataError
from leanredis.url import parse_url

TESTS = Path(__file__).resolve().parent.parent

HONOURED: dict[str, str] = {
    "host": "integration/test_options.py::test_a_redis_py_pool_for_another_server_and_db_is_what_the_client_talks_to",
    "port": "integration/test_connect.py::test_connect_refused_is_a_connection_error_naming_the_address",
    "db": "integration/test_connect.py::test_from_url_with_credentials_db_and_name",
    "password": "integration/test_connect.py::test_password_and_acl_user_authenticate",
    "socket_timeout": "integration/test_failures.py",
    "socket_connect_timeout": "integration/test_options.py::test_retry_supported_errors_narrow_and_retry_on_timeout_widens",  # noqa: E501
    "socket_read_size": "integration/test_options.py::test_socket_read_size_is_checked",  # noqa: E501 - checked, no effect
    "socket_keepalive": "integration/test_options.py::test_socket_keepalive_false_leaves_so_keepalive_off",
    "socket_keepalive_options": "integration/test_options.py::test_socket_keepalive_options_are_set_on_the_socket",
    "connection_pool": "integration/test_options.py::test_a_redis_py_pool_for_another_server_and_db_is_what_the_client_talks_to",  # noqa: E501
    "unix_socket_path": "integration/test_connect.py::test_unix_socket_with_url",
    "encoding": "integration/test_client_apis.py::test_get_encoder_has_redis_py_shape",
    "encoding_errors": "integration/test_client_apis.py::test_get_encoder_has_redis_py_shape",
    "decode_responses": "integration/test_client.py::test_decode_responses_returns_str",
    "retry_on_timeout": "integration/test_options.py::test_retry_supported_errors_narrow_and_retry_on_timeout_widens",
    "retry": "integration/test_options.py::test_retry_sets_how_many_failed_connects_a_waiting_command_goes_through",
    "retry_on_error": "integration/test_options.py::test_retry_on_error_widens_which_connect_failures_are_retried",
    "ssl": "integration/test_connect.py::test_tls_with_a_generated_certificate",
    "ssl_keyfile": "integration/test_connect.py::test_client_certificate_from_ssl_certfile_keyfile_and_password",
    "ssl_certfile": "integration/test_connect.py::test_client_certificate_from_ssl_certfile_keyfile_and_password",
    "ssl_cert_reqs": "integration/test_connect.py::test_ssl_cert_reqs_and_check_hostname_decide_what_is_verified",
    "ssl_include_verify_flags": "integration/test_connect.py::test_ssl_verify_flags_are_added_and_removed",
    "ssl_exclude_verify_flags": "integration/test_connect.py::test_ssl_verify_flags_are_added_and_removed",
    "ssl_ca_certs": "integration/test_connect.py::test_tls_with_a_generated_certificate",
    "ssl_ca_data": "integration/test_connect.py::test_client_certificate_from_ssl_certfile_keyfile_and_password",
    "ssl_ca_path": "integration/test_connect.py::test_ssl_ca_path_names_a_directory_of_hashed_ca_certificates",
    "ssl_check_hostname": "integration/test_connect.py::test_ssl_cert_reqs_and_check_hostname_decide_what_is_verified",
    "ssl_min_version": "integration/test_connect.py::test_ssl_min_version_refuses_an_older_server",
    "ssl_ciphers": "integration/test_connect.py::test_ssl_ciphers_limit_what_the_client_offers",
    "ssl_password": "integration/test_connect.py::test_client_certificate_from_ssl_certfile_keyfile_and_password",
    "max_connections": "integration/test_options.py::test_a_redis_py_blocking_pool_bounds_and_times_the_dedicated_connections",  # noqa: E501
    "single_connection_client": (
        "integration/test_options.py::test_single_connection_client_sends_blocking_commands_on_its_one_connection"
    ),
    "health_check_interval": "integration/test_pool.py::test_health_check_on_checkout_after_idle",
    "client_name": "integration/test_connect.py::test_from_url_with_credentials_db_and_name",
    "lib_name": "integration/test_options.py::test_lib_name_and_version_are_sent_with_client_setinfo",
    "lib_version": "integration/test_options.py::test_lib_name_and_version_are_sent_with_client_setinfo",
    "driver_info": "integration/test_options.py::test_lib_name_and_version_are_sent_with_client_setinfo",
    "username": "integration/test_connect.py::test_password_and_acl_user_authenticate",
    "auto_close_connection_pool": "integration/test_options.py::test_auto_close_connection_pool_false_leaves_the_pool_open",  # noqa: E501
    "credential_provider": "integration/test_options.py::test_credential_provider_is_asked_at_every_connect",
    "protocol": "integration/test_connect.py::test_resp3_hello_sets_the_protocol",
    "legacy_responses": "integration/families/oracle.py",  # True: the shapes redis-py returns, compared there
}

# a value each refused option cannot take here; every one of them is refused naming the option
REFUSED: dict[str, Any] = {
    "event_dispatcher": object(),
    "redis_connect_func": lambda connection: None,
    "maint_notifications_config": MaintNotificationsConfig(enabled=True),
    "legacy_responses": False,
}

# redis-py's URL query options: the client keyword each becomes, and the test that proves it
URL_HONOURED: dict[str, tuple[str, str]] = {
    "db": ("2", "db"),
    "socket_timeout": ("1.5", "socket_timeout"),
    "socket_connect_timeout": ("1.5", "socket_connect_timeout"),
    "socket_read_size": ("4096", "socket_read_size"),
    "socket_keepalive": ("false", "socket_keepalive"),
    "retry_on_timeout": ("true", "retry_on_timeout"),
    "max_connections": ("3", "max_connections"),
    "health_check_interval": ("5", "health_check_interval"),
    "ssl_check_hostname": ("false", "ssl_check_hostname"),
    "ssl_include_verify_flags": ("VERIFY_X509_STRICT", "ssl_include_verify_flags"),
    "ssl_exclude_verify_flags": ("VERIFY_X509_STRICT", "ssl_exclude_verify_flags"),
    "ssl_min_version": ("772", "ssl_min_version"),
    "timeout": ("2", "pool_timeout"),
    "protocol": ("3", "protocol"),
    "legacy_responses": ("true", "legacy_responses"),
}


def _redis_py_options() -> list[str]:
    return [name for name in inspect.signature(redis.asyncio.Redis.__init__).parameters if name != "self"]


def _test_exists(reference: str) -> bool:
    path, _, name = reference.partition("::")
    source = TESTS / path
    if not source.is_file():
        return False
    if not name:
        return True
    tree = ast.parse(source.read_text())
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name for node in ast.walk(tree)
    )


def test_every_redis_py_option_is_honoured_or_refused() -> None:
    missing = [name for name in _redis_py_options() if name not in HONOURED and name not in REFUSED]
    assert missing == [], f"redis.asyncio.Redis options in neither table: {missing}"
    ours = inspect.signature(leanredis.Redis.__init__).parameters
    assert [name for name in _redis_py_options() if name not in ours] == []


@pytest.mark.parametrize("name", sorted(HONOURED))
def test_each_honoured_option_names_a_test_that_exists(name: str) -> None:
    assert _test_exists(HONOURED[name]), f"{name}: no test {HONOURED[name]}"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_refused_option_is_refused_naming_it(name: str) -> None:
    with pytest.raises(DataError, match=name):
        leanredis.Redis(**{name: REFUSED[name]})


def test_every_redis_py_url_option_is_parsed_into_a_client_option() -> None:
    assert sorted(URL_QUERY_ARGUMENT_PARSERS) == sorted(URL_HONOURED)
    for query, (value, keyword) in URL_HONOURED.items():
        kwargs = parse_url(f"redis://h?{query}={value}")
        assert keyword in kwargs, query
        redis_py_name = query if query != "timeout" else "max_connections"  # timeout: the pool's wait
        assert redis_py_name in HONOURED or keyword == "pool_timeout"
    assert _test_exists("unit/test_url.py::test_redis_py_query_options_are_parsed_as_redis_py_parses_them")


def test_an_unknown_url_option_is_refused_naming_it() -> None:
    with pytest.raises(DataError, match="'frobnicate'"):
        parse_url("redis://h?frobnicate=1")
