"""The string type a client's replies carry, for type checkers: ``Redis[bytes]`` or ``Redis[str]``.

``decode_responses=True`` turns every string in a reply into ``str``; the
command methods say so by returning ``CommandFuture[StrT | None]`` and the
like, where ``StrT`` is the client's type parameter. The constructors pick it
from the literal they are given (``Redis()`` is ``Redis[bytes]``,
``Redis(decode_responses=True)`` is ``Redis[str]``). Nothing here runs on a
command's path: a type parameter is erased at run time.
"""

from __future__ import annotations

import ssl as ssl_module
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar, Union

from .exceptions import ResponseError

if TYPE_CHECKING:
    from typing_extensions import TypeAlias

    from .cache import CacheConfig

# bytes, or str under decode_responses=True; bytes | str when the flag is not a literal
StrT = TypeVar("StrT", bound=Union[bytes, str])

# A score as redis-py's default score_cast_func (float) gives it.
Score = float

# Any RESP value as the parsers build it (resp/parser.py's table): a string (StrT), an integer, a double,
# a RESP3 boolean, a null, an error inside an aggregate (a value, not raised), an array or set (list), a map
# (dict). The reply of a script (EVAL, FCALL) or of a command whose shape is the server's to choose: what can
# be said of it without Any, a recursive alias both checkers accept (pyright keeps StrT exact at the top
# level; in nested values it narrows by isinstance). A caller narrows it with isinstance.
RespValue: TypeAlias = Union[
    StrT, int, float, None, ResponseError, list["RespValue[StrT]"], dict["RespValue[StrT]", "RespValue[StrT]"]
]

# A command a cluster sends to the nodes ``target_nodes=`` names: one node's reply as it is, several
# nodes' as {node name: reply} (redis-py's shape; which it is depends on how many nodes the flag names now).
T = TypeVar("T")
ByNode = Union[T, dict[str, T]]

# A value of INFO, CLIENT INFO, MEMORY STATS and the like as redis-py parses their text: always str (the
# text is decoded whatever decode_responses says), numbers as int or float, "a=1,b=2" as a dict.
InfoValue: TypeAlias = Union[str, int, float, bool, None, list["InfoValue"], dict[str, "InfoValue"]]


if TYPE_CHECKING:
    # A generic TypedDict needs Python 3.11 at run time: to type checkers only (typing_extensions has it).
    from typing_extensions import TypedDict as GenericTypedDict

    class Message(GenericTypedDict, Generic[StrT]):
        """A pub/sub message as ``get_message()`` and ``listen()`` give it (redis-py's dict).

        ``type``: "message", "pmessage", "smessage", "subscribe", ... or "pong"; ``pattern``: the
        pattern of a pmessage, else None; ``channel``: None for a pong; ``data``: the payload, or
        the number of subscriptions for a (un)subscribe confirmation.
        """

        type: str
        pattern: StrT | None
        channel: StrT | None
        data: StrT | int

else:
    Message = dict  # what it is at run time


class RedisOptions(TypedDict, total=False):
    """The keyword options of ``Redis(...)`` after ``decode_responses``, for its typed overloads.

    ``tests/unit/test_typing.py`` checks them against ``Redis.__init__``: an option added there
    and not here fails that test.
    """

    ssl: bool | ssl_module.SSLContext
    ssl_keyfile: str | None
    ssl_certfile: str | None
    ssl_cert_reqs: str | ssl_module.VerifyMode
    ssl_ca_certs: str | None
    ssl_ca_data: str | None
    ssl_check_hostname: bool
    ssl_password: str | None
    client_name: str | None
    username: str | None
    protocol: int | None
    max_inflight: int
    max_buffered_bytes: int
    max_queued: int
    connect_retries: int | None
    max_reply_bytes: int
    late_reply_timeout: float
    overload_policy: str
    parser: str
    trim_idle: bool
    trim_idle_delay: float
    trim_min_growth: int
    max_connections: int | None
    pool_timeout: float | None
    pool_max_idle_time: float | None
    pool_max_lifetime: float | None
    health_check_interval: float | None
    cache_config: CacheConfig | None
    memory_warning_bytes: int | None
    memory_warning_share: float | None
    max_memory_bytes: int
    memory_warning_callback: Callable[[dict[str, Any]], Any] | None
    socket_read_size: int
    socket_keepalive_options: Mapping[int, int | bytes] | None
    connection_pool: Any
    retry_on_timeout: bool
    retry: Any
    retry_on_error: list[type[BaseException]] | None
    ssl_include_verify_flags: list[ssl_module.VerifyFlags] | None
    ssl_exclude_verify_flags: list[ssl_module.VerifyFlags] | None
    ssl_ca_path: str | None
    ssl_min_version: ssl_module.TLSVersion | None
    ssl_ciphers: str | None
    single_connection_client: bool
    lib_name: str | None
    lib_version: str | None
    driver_info: Any
    auto_close_connection_pool: bool | None
    redis_connect_func: Any
    credential_provider: Any
    legacy_responses: bool
    event_dispatcher: Any
    maint_notifications_config: Any
