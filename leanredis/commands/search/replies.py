"""Readers of the FT.* replies, RESP2 or RESP3, into redis.asyncio 8.1's default results.

redis.asyncio 8.1 speaks RESP3 by default and turns the maps back into its
legacy objects; these readers give the same objects from either protocol
(the RESP2 reply converted where the two differ: FT.INFO's nested maps and
doubles, FT.SPELLCHECK's scores, FT.AGGREGATE's total). Readers that need
the call's options (the query, a cursor) are small classes made per call.
"""

from __future__ import annotations

from typing import Any, Union

from ._util import text
from .aggregation import AggregateResult, Cursor, is_aggregate_request, is_cursor
from .hybrid_result import HybridCursorResult, HybridResult
from .profile_information import ProfileInformation
from .result import Result
from .suggestion import Suggestion, SuggestionParser

#: A value of FT.INFO's reply: text, a number, or lists and maps of them
SearchInfoValue = Union[None, str, int, float, list["SearchInfoValue"], dict[str, "SearchInfoValue"]]


def to_text(value: Any) -> Any:
    """Every bytes in nested lists and maps (keys too) -> str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {to_text(k): to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_text(item) for item in value]
    return value


def _pairs(flat: list[Any]) -> dict[Any, Any]:
    it = iter(flat)
    return dict(zip(it, it))


# FT.INFO on RESP2: the entries the server sends as maps and doubles on RESP3
_INFO_MAPS = frozenset({"index_definition", "gc_stats", "cursor_stats", "dialect_stats", "Index Errors"})
_INFO_DOUBLES = frozenset({"total_indexing_time", "percent_indexed", "default_score", "WEIGHT"})


def _is_double(key: str) -> bool:
    return key in _INFO_DOUBLES or key.endswith(("_mb", "_avg"))


def _info_value(key: str, value: Any, doubles: bool = False) -> Any:
    if key in _INFO_MAPS and isinstance(value, list):
        every = key == "gc_stats"  # all its numbers are doubles
        return {text(k): _info_value(text(k), v, every) for k, v in _pairs(value).items()}
    if key == "field statistics" and isinstance(value, list):
        return [{text(k): _info_value(text(k), v) for k, v in _pairs(item).items()} for item in value]
    if key == "attributes" and isinstance(value, list):
        return [_attribute(item) for item in value]
    if (doubles or _is_double(key)) and isinstance(value, (bytes, str)):
        return float(value)
    return to_text(value)


def _attribute(flat: list[Any]) -> list[Any]:
    out = to_text(flat)
    for i in range(len(out) - 1):
        if out[i] == "WEIGHT" and isinstance(out[i + 1], str):  # a double on RESP3
            out[i + 1] = float(out[i + 1])
    return out


def info_reply(reply: Any) -> dict[str, Any]:
    """FT.INFO -> {name: value}: str throughout, nested maps as dicts, attributes as flat lists."""
    if isinstance(reply, dict):
        info = to_text(reply)
        attributes = info.get("attributes")
        if isinstance(attributes, list):
            info["attributes"] = [_flat_attribute(a) if isinstance(a, dict) else a for a in attributes]
        return info  # type: ignore[no-any-return]
    return {text(k): _info_value(text(k), v) for k, v in _pairs(reply).items()}


def _flat_attribute(attribute: dict[str, Any]) -> list[Any]:
    flat: list[Any] = []
    for key, value in attribute.items():
        if key != "flags":
            flat += [key, value]
    return flat + list(attribute.get("flags") or ())


def _score_text(score: Any) -> str:
    """A suggestion's score as RESP3's double prints it, "1" rather than "1.0"."""
    shown = str(float(text(score)))
    return shown[:-2] if shown.endswith(".0") else shown


def spellcheck_reply(reply: Any) -> dict[Any, list[dict[str, Any]]]:
    """FT.SPELLCHECK -> {term: [{"score": str, "suggestion": value}, ...]}, terms without suggestions left out."""
    corrections: dict[Any, list[dict[str, Any]]] = {}
    if isinstance(reply, dict):
        results = {text(k): v for k, v in reply.items()}.get("results") or {}
        for term, suggestions in results.items():
            found = [{"score": _score_text(score), "suggestion": suggestion}
                     for entry in suggestions or () for suggestion, score in entry.items()]  # fmt: skip
            if found:
                corrections[term] = found
        return corrections
    for entry in reply or ():
        if not isinstance(entry, list) or len(entry) != 3 or not entry[2] or not entry[2][0]:
            continue
        corrections[entry[1]] = [{"score": _score_text(score), "suggestion": s} for score, s in entry[2]]
    return corrections


def syndump_reply(reply: Any) -> dict[Any, Any]:
    """FT.SYNDUMP -> {term: [group id, ...]}."""
    if isinstance(reply, dict):
        return reply
    return _pairs(reply or [])


def config_get_reply(reply: Any) -> dict[Any, Any]:
    """FT.CONFIG GET -> {option: value}."""
    if isinstance(reply, dict):
        return dict(reply)
    return {pair[0]: pair[1] for pair in reply} if reply else {}


def config_set_reply(reply: Any) -> bool:
    """FT.CONFIG SET -> True only for a str "OK" (with bytes replies redis-py compares b"OK" to "OK": False)."""
    return bool(reply == "OK")


class SuggetReply:
    """FT.SUGGET -> [Suggestion, ...]."""

    __slots__ = ("with_scores", "with_payloads")

    def __init__(self, with_scores: bool, with_payloads: bool) -> None:
        self.with_scores = with_scores
        self.with_payloads = with_payloads

    def __call__(self, reply: Any) -> list[Suggestion]:
        if not reply:
            return []
        return list(SuggestionParser(self.with_scores, self.with_payloads, reply))


class SearchReply:
    """FT.SEARCH (read undecoded) -> ``Result``."""

    __slots__ = ("query", "duration")

    def __init__(self, query: Any, duration: float = 0) -> None:
        self.query = query
        self.duration = duration

    def __call__(self, reply: Any) -> Result:
        query = self.query
        encodings = getattr(query, "_return_fields_decode_as", None)
        if isinstance(reply, dict):
            return Result.from_resp3(reply, self.duration, query._with_scores, encodings)
        # payloads are left out as redis.asyncio leaves them out of RESP3 replies
        result = Result(
            reply, not query._no_content, self.duration, query._with_payloads, query._with_scores, encodings
        )
        for doc in result.docs:
            doc.payload = None
        return result


class SearchPipelineReply:
    """FT.SEARCH in a pipeline -> the flat list redis-py's search pipelines return:
    [total, id, (score), (payload), [field, value, ...], ...], ids and values as bytes, field names as str."""

    __slots__ = ("query",)

    def __init__(self, query: Any) -> None:
        self.query = query

    def __call__(self, reply: Any) -> Any:
        query = self.query
        if isinstance(reply, dict):
            reply = {text(k): v for k, v in reply.items()}
            out: list[Any] = [reply.get("total_results", 0)]
            for item in reply.get("results") or ():
                item = {text(k): v for k, v in item.items()}
                out.append(item.get("id"))
                if query._with_scores:
                    out.append(item.get("score"))
                if query._with_payloads:
                    out.append(item.get("payload"))
                if not query._no_content:
                    flat: list[Any] = []
                    for key, value in (item.get("extra_attributes") or {}).items():
                        flat += [text(key), value]
                    out.append(flat)
            return out
        step = 1 + (not query._no_content) + query._with_payloads + query._with_scores
        for i in range(1, len(reply), step):
            if query._with_scores:
                reply[i + 1] = float(reply[i + 1])
            if not query._no_content and isinstance(reply[i + step - 1], list):
                fields = reply[i + step - 1]
                fields[::2] = [text(k) for k in fields[::2]]
        return reply


def _named(reply: Any) -> dict[str, Any]:
    """A RESP3 map or a RESP2 flat [name, value, ...] list -> {str name: value as it came}."""
    pairs: Any = reply.items() if isinstance(reply, dict) else zip(*[iter(reply)] * 2)
    return {text(name): value for name, value in pairs}


class HybridReply:
    """FT.HYBRID (read undecoded) -> ``HybridResult`` (rows with str names and the server's bytes as values,
    warnings as sent), or ``HybridCursorResult`` for a WITHCURSOR query."""

    __slots__ = ("cursor",)

    def __init__(self, cursor: bool) -> None:
        self.cursor = cursor

    def __call__(self, reply: Any) -> HybridResult | HybridCursorResult:
        fields = _named(reply)
        if self.cursor:
            return HybridCursorResult(search_cursor_id=int(fields["SEARCH"]), vsim_cursor_id=int(fields["VSIM"]))
        return HybridResult(
            total_results=int(fields.get("total_results", 0)),
            results=[_named(row) for row in fields.get("results", [])],
            warnings=fields.get("warnings", []),
            execution_time=float(fields.get("execution_time", 0)),  # RESP2 sends it as text, RESP3 as a double
        )


class HybridPipelineReply:
    """FT.HYBRID in a pipeline -> the flat list redis-py's search pipelines return:
    ["total_results", n, "results", [[name, value, ...], ...], "warnings", [...], "execution_time", seconds],
    or ["SEARCH", cursor id, "VSIM", cursor id] for a WITHCURSOR query."""

    __slots__ = ("cursor",)

    def __init__(self, cursor: bool) -> None:
        self.cursor = cursor

    def __call__(self, reply: Any) -> list[Any]:
        fields = _named(reply)
        if self.cursor:
            return ["SEARCH", fields.get("SEARCH"), "VSIM", fields.get("VSIM")]
        rows = [[item for pair in _named(row).items() for item in pair] for row in fields.get("results", [])]
        took = fields.get("execution_time", 0)
        return [
            "total_results", fields.get("total_results", 0), "results", rows,
            "warnings", fields.get("warnings", []), "execution_time", float(took) if isinstance(took, bytes) else took,
        ]  # fmt: skip


class AggregateReply:
    """FT.AGGREGATE / FT.CURSOR READ -> ``AggregateResult`` (rows as flat [name, value, ...] lists)."""

    __slots__ = ("query", "has_cursor")

    def __init__(self, query: Any, has_cursor: bool) -> None:
        self.query = query
        self.has_cursor = has_cursor

    def __call__(self, reply: Any) -> AggregateResult:
        cursor = None
        if self.has_cursor:
            reply, cid = reply[0], reply[1]
            query = self.query
            if is_cursor(query):
                query.cid = cid
                cursor = query
            else:
                cursor = Cursor(cid)
        if isinstance(reply, dict):
            reply = {text(k): v for k, v in reply.items()}
            rows = []
            for item in reply.get("results") or ():
                flat: list[Any] = []
                for key, value in item.items():
                    if text(key) == "extra_attributes":
                        for pair in value.items():
                            flat.extend(pair)
                rows.append(flat)
            warnings = [text(w) for w in reply.get("warning") or ()]
            return AggregateResult(rows, cursor, None, total=reply.get("total_results", 0), warnings=warnings)
        skip = 2 if is_aggregate_request(self.query) and self.query._with_schema else 1
        return AggregateResult(reply[skip:], cursor, None, total=reply[0] if reply else 0)


class ProfileReply:
    """FT.PROFILE -> (Result or AggregateResult, ProfileInformation); the profile as nested [name, value] lists."""

    __slots__ = ("query",)

    def __init__(self, query: Any) -> None:
        self.query = query

    def __call__(self, reply: Any) -> tuple[Any, ProfileInformation]:
        query = self.query
        if isinstance(reply, dict):
            parts = {text(k).lower(): v for k, v in reply.items()}
            results, profile = parts.get("results"), parts.get("profile")
            if isinstance(results, list):  # servers before the RESP3 alignment: the bare documents
                results = {"total_results": len(results), "results": results}
            profile = _profile_list(to_text(profile), top=True)
        else:
            results, profile = reply[0], to_text(reply[1])
        if is_aggregate_request(query):
            result: Any = AggregateReply(query, False)(results)
        elif isinstance(results, dict):
            result = Result.from_resp3(results, 0, query._with_scores)
        else:
            result = Result(results, not query._no_content, 0, query._with_payloads, query._with_scores)
        return result, ProfileInformation(profile)


def _profile_list(value: Any, top: bool = False) -> Any:
    """A RESP3 profile map as RESP2 shows it: flat [name, value, ...]; at the top, one [name, value...] per entry;
    a list of maps spreads into its parent's list."""
    if isinstance(value, list):
        return [_profile_list(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: list[Any] = []
    for key, item in value.items():
        spread = isinstance(item, list) and item and isinstance(item[0], dict)
        converted = [_profile_list(i) for i in item] if spread else [_profile_list(item)]
        if top and not ("Shards" in value or "Coordinator" in value):
            out.append([key, *converted])
        else:
            out += [key, *converted]
    return out
