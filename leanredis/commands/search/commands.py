"""``r.ft(index_name)``: RediSearch commands with redis.asyncio 8.1's names, arguments and results.

A ``Search`` builds each FT.* command and hands it to its client's sender
with the reader of its reply (``replies``); on a pipeline the command is
recorded and the reply read when the pipeline runs, except on a watching
one (WATCH ran, MULTI not yet), which runs it at once: its reply is read
as a client's, as redis-py's immediate mode reads it. FT.SEARCH replies are
read undecoded, as redis-py reads them: vector fields stay bytes whatever
``decode_responses`` says.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any, Generic, NoReturn, overload

from ...future import CommandFuture, raw_reply
from ...registry import FROM_ABOVE
from ...typed import StrT
from ..parsers import str_if_bytes
from ._raw import RawThen
from .aggregation import AggregateRequest, AggregateResult, Cursor, is_aggregate_request, is_cursor
from .document import Document
from .field import Field
from .hybrid_query import CombineResultsMethod, HybridCursorQuery, HybridPostProcessingConfig, HybridQuery
from .hybrid_result import HybridCursorResult, HybridResult
from .index_definition import IndexDefinition
from .profile_information import ProfileInformation
from .query import Query
from .replies import (
    AggregateReply,
    HybridPipelineReply,
    HybridReply,
    ProfileReply,
    SearchInfoValue,
    SearchPipelineReply,
    SearchReply,
    SuggetReply,
    config_get_reply,
    config_set_reply,
    info_reply,
    spellcheck_reply,
    syndump_reply,
)
from .result import Result
from .suggestion import Suggestion

ParamsT = dict[str, Any] | None


def _records(client: Any) -> bool:
    """``client`` is a pipeline that records its commands for ``execute()``. Not a client, nor a pipeline
    that is watching (WATCH ran, MULTI not yet): that one runs each command at once and returns an
    awaitable of its reply, which a search method reads as a client's (redis-py's immediate mode)."""
    # a layer above: the pipelines (a client's, a cluster's) are built on the commands
    if not isinstance(client, FROM_ABOVE["pipelines"]):
        return False
    return bool(client.explicit_transaction or not client.watching)


def _schema_args(fields: Any) -> list[Any]:
    try:
        return [arg for field in fields for arg in field.redis_args()]
    except TypeError:  # one Field rather than a list of them
        return list(fields.redis_args())


def params_args(query_params: ParamsT) -> list[Any]:
    """PARAMS n name value ... (nothing for None or {})."""
    if not query_params:
        return []
    args: list[Any] = ["PARAMS", len(query_params) * 2]
    for pair in query_params.items():
        args.extend(pair)
    return args


def _deprecated(name: str, reason: str) -> None:
    warnings.warn(f"Call to deprecated method {name}. ({reason}) -- Deprecated since version 2.0.0.",
                  DeprecationWarning, stacklevel=3)  # fmt: skip


async def _read(sent: Awaitable[Any], reader: Any, start: float) -> Any:
    raw = await sent
    if isinstance(reader, SearchReply):
        reader.duration = (time.monotonic() - start) * 1000.0
    return reader(raw)


class SearchCommands(Generic[StrT]):
    """The FT.* methods of ``Search`` and of a search pipeline; ``StrT``: the client's string type.

    FT.SEARCH, FT.HYBRID and FT.PROFILE of a query read their reply undecoded in a coroutine of
    their own: those methods return a ``Coroutine`` (await it, or ``create_task`` it), the others a
    ``CommandFuture``.
    """

    index_name: str
    client: Any

    def _ft_send(self, args: list[Any], parse: Any) -> Any:
        return self.client._send(tuple(args), parse)

    def _send_undecoded(self, args: list[Any], reader: Any, in_pipeline: Any = None) -> Any:
        """Send with the reply read undecoded: ``reader`` (``in_pipeline`` on a pipeline) reads it."""
        client = self.client
        if _records(client):
            return client._send(tuple(args), RawThen(in_pipeline or reader))
        return _read(client._send(tuple(args), raw_reply), reader, time.monotonic())

    # -- index --------------------------------------------------------------------------
    def create_index(
        self,
        fields: Sequence[Field],
        no_term_offsets: bool = False,
        no_field_flags: bool = False,
        stopwords: list[str] | None = None,
        definition: IndexDefinition | None = None,
        max_text_fields: bool = False,
        temporary: int | None = None,
        no_highlight: bool = False,
        no_term_frequencies: bool = False,
        skip_initial_scan: bool = False,
    ) -> CommandFuture[StrT]:
        """FT.CREATE this index with ``fields`` (and the definition's ON/PREFIX/FILTER...): OK."""
        args: list[Any] = ["FT.CREATE", self.index_name]
        if definition is not None:
            args += definition.args
        if max_text_fields:
            args.append("MAXTEXTFIELDS")
        if temporary is not None and isinstance(temporary, int):
            args += ["TEMPORARY", temporary]
        for wanted, word in ((no_term_offsets, "NOOFFSETS"), (no_highlight, "NOHL"), (no_field_flags, "NOFIELDS"),
                             (no_term_frequencies, "NOFREQS"), (skip_initial_scan, "SKIPINITIALSCAN")):  # fmt: skip
            if wanted:
                args.append(word)
        if stopwords is not None and isinstance(stopwords, (list, tuple, set)):
            args += ["STOPWORDS", len(stopwords), *stopwords]
        args += ["SCHEMA", *_schema_args(fields)]
        return self._ft_send(args, None)

    def alter_schema_add(self, fields: Field | Sequence[Field]) -> CommandFuture[StrT]:
        """FT.ALTER ... SCHEMA ADD ``fields``: OK."""
        return self._ft_send(["FT.ALTER", self.index_name, "SCHEMA", "ADD", *_schema_args(fields)], None)

    def dropindex(self, delete_documents: bool = False) -> CommandFuture[StrT]:
        """FT.DROPINDEX (DD: with its documents): OK."""
        args: list[Any] = ["FT.DROPINDEX", self.index_name]
        if delete_documents is True:
            args.append("DD")
        return self._ft_send(args, None)

    def info(self) -> CommandFuture[dict[str, SearchInfoValue]]:
        """FT.INFO as a dict (str names and values, nested maps as dicts)."""
        return self._ft_send(["FT.INFO", self.index_name], info_reply)

    def tagvals(self, tagfield: str) -> CommandFuture[list[StrT] | set[StrT]]:
        """FT.TAGVALS: the distinct values of a TAG field."""
        return self._ft_send(["FT.TAGVALS", self.index_name, tagfield], None)

    def aliasadd(self, alias: Any) -> CommandFuture[StrT]:
        """FT.ALIASADD ``alias`` for this index: OK."""
        return self._ft_send(["FT.ALIASADD", alias, self.index_name], None)

    def aliasupdate(self, alias: Any) -> CommandFuture[StrT]:
        """FT.ALIASUPDATE: point ``alias`` at this index: OK."""
        return self._ft_send(["FT.ALIASUPDATE", alias, self.index_name], None)

    def aliasdel(self, alias: Any) -> CommandFuture[StrT]:
        """FT.ALIASDEL ``alias``: OK."""
        return self._ft_send(["FT.ALIASDEL", alias], None)

    def aliaslist(self) -> CommandFuture[set[StrT]]:
        """FT.ALIASLIST: this index's aliases, as a set."""
        return self._ft_send(["FT.ALIASLIST", self.index_name], _alias_set)

    def synupdate(self, groupid: str, skipinitial: bool = False, *terms: Any) -> CommandFuture[StrT]:
        """FT.SYNUPDATE: add ``terms`` to synonym group ``groupid``: OK."""
        args: list[Any] = ["FT.SYNUPDATE", self.index_name, groupid]
        if skipinitial:
            args.append("SKIPINITIALSCAN")
        return self._ft_send([*args, *terms], None)

    def syndump(self) -> CommandFuture[dict[StrT, list[StrT]]]:
        """FT.SYNDUMP: {term: [group id, ...]}."""
        return self._ft_send(["FT.SYNDUMP", self.index_name], syndump_reply)

    # -- queries --------------------------------------------------------------------------
    def get_params_args(self, query_params: ParamsT) -> list[Any]:
        """PARAMS n name value ... for ``query_params`` (nothing for None or {}), as the query methods send it."""
        return params_args(query_params)

    def _query_args(self, query: Any, query_params: ParamsT) -> tuple[list[Any], Any]:
        if isinstance(query, str):
            query = Query(query)
        if not hasattr(query, "get_args"):
            raise ValueError(f"Bad query type {type(query)}")
        return [self.index_name, *query.get_args(), *params_args(query_params)], query

    def search(self, query: str | Query, query_params: ParamsT = None) -> Coroutine[Any, Any, Result]:
        """FT.SEARCH: a ``Result`` (``total``, ``docs``); recorded in a pipeline, redis-py's flat list."""
        args, query = self._query_args(query, query_params)
        return self._send_undecoded(["FT.SEARCH", *args], SearchReply(query), SearchPipelineReply(query))

    @overload
    def hybrid_search(
        self,
        query: HybridQuery,
        combine_method: CombineResultsMethod | None = ...,
        post_processing: HybridPostProcessingConfig | None = ...,
        params_substitution: ParamsT = ...,
        timeout: int | None = ...,
        cursor: None = ...,
    ) -> Coroutine[Any, Any, HybridResult]: ...
    @overload
    def hybrid_search(
        self,
        query: HybridQuery,
        combine_method: CombineResultsMethod | None = ...,
        post_processing: HybridPostProcessingConfig | None = ...,
        params_substitution: ParamsT = ...,
        timeout: int | None = ...,
        *,
        cursor: HybridCursorQuery,
    ) -> Coroutine[Any, Any, HybridCursorResult]: ...
    def hybrid_search(
        self,
        query: HybridQuery,
        combine_method: CombineResultsMethod | None = None,
        post_processing: HybridPostProcessingConfig | None = None,
        params_substitution: ParamsT = None,
        timeout: int | None = None,
        cursor: HybridCursorQuery | None = None,
    ) -> Coroutine[Any, Any, HybridResult | HybridCursorResult]:
        """FT.HYBRID (Redis 8.4+): a text query and a vector query fused into one ranking: a ``HybridResult``
        (``HybridCursorResult`` with ``cursor``); in a pipeline, redis-py's flat list. Experimental, as redis-py's."""
        warnings.warn("Call to experimental method hybrid_search. Be aware that the function arguments can change "
                      "or be removed in future versions.", UserWarning, stacklevel=2)  # fmt: skip
        args: list[Any] = ["FT.HYBRID", self.index_name, *query.get_args()]
        if combine_method:
            args += combine_method.get_args()
        if post_processing:
            args += post_processing.build_args()
        args += params_args(params_substitution)
        if timeout:
            args += ["TIMEOUT", timeout]
        if cursor:
            args += cursor.build_args()
        with_cursor = bool(cursor)
        # read undecoded, as FT.SEARCH: loaded fields may be vectors, and redis-py keeps every value as bytes
        return self._send_undecoded(args, HybridReply(with_cursor), HybridPipelineReply(with_cursor))

    def explain(self, query: str | Query, query_params: ParamsT = None) -> CommandFuture[StrT]:
        """FT.EXPLAIN: the query's execution plan, as text."""
        args, _ = self._query_args(query, query_params)
        return self._ft_send(["FT.EXPLAIN", *args], None)

    def explain_cli(self, query: str | Query) -> NoReturn:
        """Not provided, as in redis-py."""
        raise NotImplementedError("EXPLAINCLI will not be implemented.")

    def aggregate(
        self, query: AggregateRequest | Cursor, query_params: ParamsT = None
    ) -> CommandFuture[AggregateResult]:
        """FT.AGGREGATE (or FT.CURSOR READ for a ``Cursor``): an ``AggregateResult``."""
        if is_aggregate_request(query):
            has_cursor = bool(query._cursor)
            args = ["FT.AGGREGATE", self.index_name, *query.build_args()]
        elif is_cursor(query):
            has_cursor = True
            args = ["FT.CURSOR", "READ", self.index_name, *query.build_args()]
        else:
            raise ValueError("Bad query", query)
        return self._ft_send([*args, *params_args(query_params)], AggregateReply(query, has_cursor))

    @overload
    def profile(
        self, query: Query, limited: bool = ..., query_params: ParamsT = ...
    ) -> Coroutine[Any, Any, tuple[Result, ProfileInformation]]: ...
    @overload
    def profile(
        self, query: AggregateRequest, limited: bool = ..., query_params: ParamsT = ...
    ) -> CommandFuture[tuple[AggregateResult, ProfileInformation]]: ...
    def profile(
        self, query: Query | AggregateRequest, limited: bool = False, query_params: ParamsT = None
    ) -> Awaitable[tuple[Result | AggregateResult, ProfileInformation]]:
        """FT.PROFILE: (Result or AggregateResult, ProfileInformation)."""
        if is_aggregate_request(query):
            kind, rest = "AGGREGATE", query.build_args()
        elif isinstance(query, Query):
            kind, rest = "SEARCH", [*query.get_args(), *params_args(query_params)]
        else:
            raise ValueError("Must provide AggregateRequest object or Query object.")
        args = ["FT.PROFILE", self.index_name, kind, *(["LIMITED"] if limited else []), "QUERY", *rest]
        if kind == "SEARCH":  # documents with their vectors: read undecoded, as FT.SEARCH
            return self._send_undecoded(args, ProfileReply(query))
        return self._ft_send(args, ProfileReply(query))

    def spellcheck(self, query: str, distance: int | None = None, include: str | None = None,
                   exclude: str | None = None) -> CommandFuture[dict[StrT, list[dict[str, str | StrT]]]]:  # fmt: skip
        """FT.SPELLCHECK: {term: [{"score": ..., "suggestion": ...}, ...]}."""
        args: list[Any] = ["FT.SPELLCHECK", self.index_name, query]
        if distance:
            args += ["DISTANCE", distance]
        if include:
            args += ["TERMS", "INCLUDE", include]
        if exclude:
            args += ["TERMS", "EXCLUDE", exclude]
        return self._ft_send(args, spellcheck_reply)

    # -- dictionaries, configuration ------------------------------------------------------------
    def dict_add(self, name: str, *terms: Any) -> CommandFuture[int]:
        """FT.DICTADD: how many terms were new."""
        return self._ft_send(["FT.DICTADD", name, *terms], None)

    def dict_del(self, name: str, *terms: Any) -> CommandFuture[int]:
        """FT.DICTDEL: how many terms were removed."""
        return self._ft_send(["FT.DICTDEL", name, *terms], None)

    def dict_dump(self, name: str) -> CommandFuture[list[StrT] | set[StrT]]:
        """FT.DICTDUMP: the dictionary's terms."""
        return self._ft_send(["FT.DICTDUMP", name], None)

    def config_set(self, option: str, value: str) -> CommandFuture[bool]:
        """FT.CONFIG SET (deprecated by redis-py since Redis 8.0: CONFIG SET serves the module options there)."""
        _deprecated_8("config_set")
        return self._ft_send(["FT.CONFIG", "SET", option, value], config_set_reply)

    def config_get(self, option: str) -> CommandFuture[dict[StrT, StrT | None]]:
        """FT.CONFIG GET: {option: value} (deprecated by redis-py since Redis 8.0)."""
        _deprecated_8("config_get")
        return self._ft_send(["FT.CONFIG", "GET", option], config_get_reply)

    # -- suggestions -------------------------------------------------------------------------
    def sugadd(self, key: Any, *suggestions: Any, **kwargs: Any) -> Coroutine[Any, Any, int]:
        """FT.SUGADD each suggestion (INCR with ``increment=True``): the dictionary's size after the last."""
        sent = []
        for suggestion in suggestions:
            args: list[Any] = ["FT.SUGADD", key, suggestion.string, suggestion.score]
            if kwargs.get("increment"):
                args.append("INCR")
            if suggestion.payload:
                args += ["PAYLOAD", suggestion.payload]
            sent.append(self._ft_send(args, None))
        if _records(self.client):
            return self.client
        return _last(sent)

    def suglen(self, key: str) -> CommandFuture[int]:
        """FT.SUGLEN: how many suggestions ``key`` holds."""
        return self._ft_send(["FT.SUGLEN", key], None)

    def sugdel(self, key: str, string: str) -> CommandFuture[int]:
        """FT.SUGDEL: 1 if ``string`` was there."""
        return self._ft_send(["FT.SUGDEL", key, string], None)

    def sugget(self, key: str, prefix: str, fuzzy: bool = False, num: int = 10, with_scores: bool = False,
               with_payloads: bool = False) -> CommandFuture[list[Suggestion]]:  # fmt: skip
        """FT.SUGGET: up to ``num`` ``Suggestion`` objects for ``prefix``."""
        args: list[Any] = ["FT.SUGGET", key, prefix, "MAX", num]
        for wanted, word in ((fuzzy, "FUZZY"), (with_scores, "WITHSCORES"), (with_payloads, "WITHPAYLOADS")):
            if wanted:
                args.append(word)
        return self._ft_send(args, SuggetReply(with_scores, with_payloads))

    # -- documents (mostly deprecated since RediSearch 2.0: HSET / JSON.SET index them) ----------
    async def load_document(self, id: Any, field_encodings: dict[str, Any] | None = None) -> Document:
        """The hash ``id`` as a ``Document`` (``field_encodings``: name -> encoding, None keeps bytes)."""
        fields = await self.client.hgetall(id)
        values: dict[str, Any] = {}
        for key, value in fields.items():
            name = str_if_bytes(key)
            if isinstance(value, bytes) and not (field_encodings and name in field_encodings):
                value = str_if_bytes(value)
            elif isinstance(value, bytes) and field_encodings and field_encodings[name] is not None:
                value = value.decode(field_encodings[name], "replace")
            values[name] = value
        values.pop("id", None)
        return Document(id=id, **values)

    def add_document(self, doc_id: str, nosave: bool = False, score: float = 1.0, payload: bool | None = None,
                     replace: bool = False, partial: bool = False, language: str | None = None,
                     no_create: bool = False, **fields: Any) -> CommandFuture[StrT]:  # fmt: skip
        """FT.ADD (removed from RediSearch 2.0 servers: use HSET)."""
        _deprecated("add_document", "deprecated since redisearch 2.0, call hset instead")
        args = add_document_args(self.index_name, doc_id, nosave, score, payload, replace, partial, language,
                                 no_create, fields)  # fmt: skip
        return self._ft_send(args, None)

    def add_document_hash(self, doc_id: Any, score: float = 1.0, language: str | None = None,
                          replace: bool = False) -> CommandFuture[StrT]:  # fmt: skip
        """FT.ADDHASH (removed from RediSearch 2.0 servers)."""
        _deprecated("add_document_hash", "deprecated since redisearch 2.0, call hset instead")
        args: list[Any] = ["FT.ADDHASH", self.index_name, doc_id, score]
        if replace:
            args.append("REPLACE")
        if language:
            args += ["LANGUAGE", language]
        return self._ft_send(args, None)

    def delete_document(
        self, doc_id: Any, conn: Any = None, delete_actual_document: bool = False
    ) -> CommandFuture[int]:
        """FT.DEL (removed from RediSearch 2.0 servers: use DEL)."""
        _deprecated("delete_document", "deprecated since redisearch 2.0")
        args: list[Any] = ["FT.DEL", self.index_name, doc_id]
        if delete_actual_document:
            args.append("DD")
        if conn is not None:
            return conn.execute_command(*args)
        return self._ft_send(args, None)

    def get(self, *ids: Any) -> CommandFuture[list[list[StrT] | None]]:
        """FT.MGET: the documents' fields (deprecated since RediSearch 2.0)."""
        _deprecated("get", "deprecated since redisearch 2.0")
        return self._ft_send(["FT.MGET", self.index_name, *ids], None)


def add_document_args(index_name: str, doc_id: Any, nosave: bool, score: float, payload: Any, replace: bool,
                      partial: bool, language: str | None, no_create: bool,
                      fields: dict[str, Any]) -> list[Any]:  # fmt: skip
    """FT.ADD's arguments, as redis-py builds them (``add_document`` and the batch indexer)."""
    if partial or no_create:
        replace = True
    args: list[Any] = ["FT.ADD", index_name, doc_id, score]
    if nosave:
        args.append("NOSAVE")
    if payload is not None:
        args += ["PAYLOAD", payload]
    if replace:
        args.append("REPLACE")
        args += ["PARTIAL"] if partial else []
        args += ["NOCREATE"] if no_create else []
    if language:
        args += ["LANGUAGE", language]
    args.append("FIELDS")
    for pair in fields.items():
        args.extend(pair)
    return args


def _deprecated_8(name: str) -> None:
    warnings.warn(
        f"Call to deprecated method {name}. (deprecated since Redis 8.0, call {name} from core module instead)"
        " -- Deprecated since version 8.0.0.",
        DeprecationWarning,
        stacklevel=3,
    )


def _alias_set(reply: Any) -> set[Any]:
    """FT.ALIASLIST -> a set (RESP2 sends a list, RESP3 a set)."""
    return set(reply) if reply else set()


async def _last(sent: list[Any]) -> Any:
    # gather retrieves every outcome: an error of any one is the caller's, none left unread
    results = await asyncio.gather(*sent)
    return results[-1] if results else None
