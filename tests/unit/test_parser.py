"""RESP2/RESP3 reply parsing: every type from both parsers, malformed input, buffer memory.

``PythonParser`` and ``HiredisParser`` must give the same values and types for
everything a server sends; the differences the modules document are pinned
here too, so that a change in either shows up as a failing test.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from leanredis.exceptions import ProtocolError, ResponseError
from leanredis.resp import HiredisParser, Push, PythonParser
from leanredis.resp import parser as parser_module

PARSERS = [PythonParser, HiredisParser]
ENCODINGS = [None, "utf-8"]
ParserClass = type[PythonParser] | type[HiredisParser]
# gets() returns this when more bytes are needed, so that a #f reply (False) is not mistaken for it
MORE = object()


def parse_all(parser_class: ParserClass, data: bytes, encoding: str | None = None) -> list[Any]:
    """Every complete reply in ``data``, fed in one piece."""
    parser = parser_class(encoding=encoding, not_enough_data=MORE)
    parser.feed(data)
    replies = []
    while (reply := parser.gets()) is not MORE:
        replies.append(reply)
    return replies


def parse_one(parser_class: ParserClass, data: bytes, encoding: str | None = None) -> Any:
    replies = parse_all(parser_class, data, encoding)
    assert len(replies) == 1, replies
    return replies[0]


def text(value: bytes, encoding: str | None) -> bytes | str:
    """What a string reply becomes: bytes, or str with an encoding."""
    return value if encoding is None else value.decode(encoding)


def same(actual: Any, expected: Any) -> bool:
    """Equal values of exactly the same types, all the way down (nan equals nan)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, ResponseError):
        return actual.args == expected.args
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(actual)
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(expected, dict):
        return len(actual) == len(expected) and all(
            same(ak, ek) and same(av, ev)
            for (ak, av), (ek, ev) in zip(actual.items(), expected.items(), strict=True)
        )
    return bool(actual == expected)


# (name, wire bytes, expected reply given the text() of a string for the encoding)
TYPE_CASES: list[tuple[str, bytes, Any]] = [
    ("simple string", b"+OK\r\n", lambda e: text(b"OK", e)),
    ("empty simple string", b"+\r\n", lambda e: text(b"", e)),
    ("non-ASCII simple string", b"+caf\xc3\xa9\r\n", lambda e: text("café".encode(), e)),
    ("error", b"-ERR unknown command\r\n", lambda e: ResponseError("ERR unknown command")),
    ("integer", b":1000\r\n", lambda e: 1000),
    ("zero", b":0\r\n", lambda e: 0),
    ("negative integer", b":-42\r\n", lambda e: -42),
    ("int64 max", b":9223372036854775807\r\n", lambda e: 2**63 - 1),
    ("int64 min", b":-9223372036854775808\r\n", lambda e: -(2**63)),
    ("bulk", b"$5\r\nhello\r\n", lambda e: text(b"hello", e)),
    ("empty bulk", b"$0\r\n\r\n", lambda e: text(b"", e)),
    ("bulk holding CRLF", b"$4\r\na\r\nb\r\n", lambda e: text(b"a\r\nb", e)),
    ("null bulk", b"$-1\r\n", lambda e: None),
    ("null array", b"*-1\r\n", lambda e: None),
    ("array", b"*3\r\n:1\r\n$1\r\na\r\n+b\r\n", lambda e: [1, text(b"a", e), text(b"b", e)]),
    ("empty array", b"*0\r\n", lambda e: []),
    ("null", b"_\r\n", lambda e: None),
    ("double", b",3.25\r\n", lambda e: 3.25),
    ("negative double", b",-0.5\r\n", lambda e: -0.5),
    ("integral double", b",10\r\n", lambda e: 10.0),
    ("double with exponent", b",1.5e-7\r\n", lambda e: 1.5e-7),
    ("double with upper exponent", b",2E+10\r\n", lambda e: 2e10),
    ("inf", b",inf\r\n", lambda e: math.inf),
    ("-inf", b",-inf\r\n", lambda e: -math.inf),
    ("nan", b",nan\r\n", lambda e: math.nan),
    ("true", b"#t\r\n", lambda e: True),
    ("false", b"#f\r\n", lambda e: False),
    ("big number", b"(3492890328409238509324850943850943825024385\r\n",
     lambda e: text(b"3492890328409238509324850943850943825024385", e)),
    ("negative big number", b"(-12345678901234567890\r\n", lambda e: text(b"-12345678901234567890", e)),
    ("verbatim", b"=15\r\ntxt:Some string\r\n", lambda e: text(b"Some string", e)),
    ("empty verbatim", b"=4\r\nmkd:\r\n", lambda e: text(b"", e)),
    ("map", b"%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n#f\r\n",
     lambda e: {text(b"first", e): 1, text(b"second", e): False}),
    ("map with integer and null keys", b"%2\r\n:1\r\n+a\r\n_\r\n+b\r\n",
     lambda e: {1: text(b"a", e), None: text(b"b", e)}),
    ("empty map", b"%0\r\n", lambda e: {}),
    ("set", b"~3\r\n+a\r\n:1\r\n,1.5\r\n", lambda e: [text(b"a", e), 1, 1.5]),
    ("empty set", b"~0\r\n", lambda e: []),
    ("push", b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
     lambda e: Push([text(b"message", e), text(b"ch", e), text(b"hi", e)])),
    ("empty push", b">0\r\n", lambda e: Push([])),
    ("nested aggregates", b"*3\r\n*2\r\n:1\r\n*0\r\n%1\r\n+k\r\n~1\r\n_\r\n*1\r\n*1\r\n*-1\r\n",
     lambda e: [[1, []], {text(b"k", e): [None]}, [[None]]]),
    ("aggregates of nulls", b"*4\r\n$-1\r\n*-1\r\n_\r\n$0\r\n\r\n", lambda e: [None, None, None, text(b"", e)]),
    ("push inside an array", b"*1\r\n>1\r\n:1\r\n", lambda e: [Push([1])]),
    ("map of maps", b"%1\r\n+outer\r\n%1\r\n+inner\r\n,2.5\r\n",
     lambda e: {text(b"outer", e): {text(b"inner", e): 2.5}}),
]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("parser_class", PARSERS)
@pytest.mark.parametrize(("name", "wire", "expected"), TYPE_CASES, ids=[case[0] for case in TYPE_CASES])
def test_every_resp_type_parses_to_the_documented_value_and_type(
    parser_class: ParserClass, encoding: str | None, name: str, wire: bytes, expected: Any
) -> None:
    want = expected(encoding)
    got = parse_one(parser_class, wire, encoding)
    assert same(got, want), (got, want)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("parser_class", PARSERS)
@pytest.mark.parametrize(("name", "wire", "expected"), TYPE_CASES, ids=[case[0] for case in TYPE_CASES])
def test_gets_returns_false_until_the_reply_is_complete(
    parser_class: ParserClass, encoding: str | None, name: str, wire: bytes, expected: Any
) -> None:
    parser = parser_class(encoding=encoding, not_enough_data=MORE)
    for byte in wire[:-1]:
        parser.feed(bytes([byte]))
        assert parser.gets() is MORE
    parser.feed(wire[-1:])
    assert same(parser.gets(), expected(encoding))
    assert parser.gets() is MORE
    assert parser.buffered() == 0


@pytest.mark.parametrize("parser_class", PARSERS)
def test_gets_returns_false_by_default_when_more_bytes_are_needed(parser_class: ParserClass) -> None:
    parser = parser_class()
    assert parser.gets() is False
    parser.feed(b"$5\r\nhel")
    assert parser.gets() is False
    parser.feed(b"lo\r\n")
    assert parser.gets() == b"hello"
    assert parser.gets() is False


@pytest.mark.parametrize("parser_class", PARSERS)
def test_a_false_reply_is_told_apart_from_no_reply_only_with_a_sentinel(parser_class: ParserClass) -> None:
    parser = parser_class()
    parser.feed(b"#f\r\n:1\r\n")
    assert parser.gets() is False  # the #f reply, which a False-checking loop would take for "wait"
    assert parser.gets() == 1
    parser = parser_class(not_enough_data=MORE)
    parser.feed(b"#f\r\n")
    assert parser.gets() is False
    assert parser.gets() is MORE


@pytest.mark.parametrize("parser_class", PARSERS)
def test_replies_come_out_in_order_from_one_feed(parser_class: ParserClass) -> None:
    wire = b"+OK\r\n:1\r\n$-1\r\n*2\r\n:2\r\n:3\r\n-ERR x\r\n"
    replies = parse_all(parser_class, wire)
    assert replies[:4] == [b"OK", 1, None, [2, 3]]
    assert same(replies[4], ResponseError("ERR x"))


@pytest.mark.parametrize("parser_class", PARSERS)
def test_error_reply_is_returned_as_a_value_not_raised(parser_class: ParserClass) -> None:
    reply = parse_one(parser_class, b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
    assert type(reply) is ResponseError
    assert str(reply) == "WRONGTYPE Operation against a key holding the wrong kind of value"


@pytest.mark.parametrize("parser_class", PARSERS)
def test_set_encoding_applies_from_the_next_reply(parser_class: ParserClass) -> None:
    parser = parser_class()
    parser.feed(b"+a\r\n+b\r\n")
    assert parser.gets() == b"a"
    parser.set_encoding("utf-8")
    assert parser.gets() == "b"
    parser.set_encoding(None)
    parser.feed(b"+c\r\n")
    assert parser.gets() == b"c"


@pytest.mark.parametrize("parser_class", PARSERS)
def test_undecodable_text_raises_after_the_whole_reply_is_consumed(parser_class: ParserClass) -> None:
    parser = parser_class(encoding="utf-8")
    parser.feed(b"*2\r\n+\xff\r\n+ok\r\n:5\r\n")
    with pytest.raises(UnicodeDecodeError):
        parser.gets()
    assert parser.gets() == 5


@pytest.mark.parametrize("parser_class", PARSERS)
def test_errors_replace_undecodable_text_in_both_modes(parser_class: ParserClass) -> None:
    for encoding in ENCODINGS:
        reply = parse_one(parser_class, b"-ERR \xff\r\n", encoding)
        assert same(reply, ResponseError("ERR \ufffd"))


# -- documented differences ---------------------------------------------------


def test_python_parser_skips_an_attribute_and_returns_the_reply_it_annotates() -> None:
    wire = b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n|0\r\n:9543892\r\n"
    assert parse_all(PythonParser, wire) == [[2039123, 9543892]]


def test_hiredis_returns_an_attribute_as_a_reply_of_its_own() -> None:
    assert parse_all(HiredisParser, b"|1\r\n+a\r\n+b\r\n:1\r\n") == [[b"a", b"b"], 1]


def test_python_parser_reads_a_blob_error_as_an_error_value() -> None:
    reply = parse_one(PythonParser, b"!21\r\nSYNTAX invalid syntax\r\n")
    assert same(reply, ResponseError("SYNTAX invalid syntax"))


def test_hiredis_rejects_a_blob_error() -> None:
    with pytest.raises(ProtocolError):
        parse_all(HiredisParser, b"!21\r\nSYNTAX invalid syntax\r\n")


def test_only_python_parser_checks_the_crlf_after_a_bulk_payload() -> None:
    with pytest.raises(ProtocolError):
        parse_all(PythonParser, b"$3\r\nabcXY")
    assert parse_all(HiredisParser, b"$3\r\nabcXY") == [b"abc"]


@pytest.mark.parametrize("wire", [b"#T\r\n", b"(\r\n", b",-nan\r\n", b"%-1\r\n", b"~-1\r\n", b">-1\r\n", b"=-1\r\n"])
def test_hiredis_is_more_lenient_on_some_malformed_scalars(wire: bytes) -> None:
    """No server sends these; hiredis accepts them, the pure parser does not."""
    parse_all(HiredisParser, wire)
    with pytest.raises(ProtocolError):
        parse_all(PythonParser, wire)


# -- malformed input ----------------------------------------------------------

MALFORMED = [
    pytest.param(b"?what\r\n", id="bad type byte"),
    pytest.param(b"\x00\r\n", id="NUL type byte"),
    pytest.param(b":12a\r\n", id="integer with a letter"),
    pytest.param(b":1.5\r\n", id="integer with a point"),
    pytest.param(b":\r\n", id="empty integer"),
    pytest.param(b":-\r\n", id="integer of a lone minus"),
    pytest.param(b":+5\r\n", id="integer with plus sign"),
    pytest.param(b":007\r\n", id="integer with leading zeros"),
    pytest.param(b":-0\r\n", id="minus zero"),
    pytest.param(b":9223372036854775808\r\n", id="integer over int64"),
    pytest.param(b":-9223372036854775809\r\n", id="integer under int64"),
    pytest.param(b":123456789012345678901234567890\r\n", id="very long integer"),
    pytest.param(b"$-2\r\n", id="bulk length -2"),
    pytest.param(b"$-100\r\n", id="bulk length -100"),
    pytest.param(b"$x\r\nabc\r\n", id="bulk length not a number"),
    pytest.param(b"$99999999999999999999\r\n", id="bulk length over int64"),
    pytest.param(b"*-2\r\n", id="array length -2"),
    pytest.param(b"*4294967296\r\n", id="array length over 2**32-1"),
    pytest.param(b"%4294967296\r\n", id="map length over 2**32-1"),
    pytest.param(b"~4294967296\r\n", id="set length over 2**32-1"),
    pytest.param(b"*01\r\n:1\r\n", id="aggregate length with leading zero"),
    pytest.param(b",abc\r\n", id="double not a number"),
    pytest.param(b",\r\n", id="empty double"),
    pytest.param(b",1_0\r\n", id="double with underscore"),
    pytest.param(b", 1.5\r\n", id="double with leading space"),
    pytest.param(b",1.5 \r\n", id="double with trailing space"),
    pytest.param(b",+inf\r\n", id="double +inf"),
    pytest.param(b",infinity\r\n", id="double infinity"),
    pytest.param(b",0x1p3\r\n", id="hex double"),
    pytest.param(b",1e999\r\n", id="double overflowing to inf"),
    pytest.param(b"#x\r\n", id="bad boolean"),
    pytest.param(b"#tt\r\n", id="long boolean"),
    pytest.param(b"#\r\n", id="empty boolean"),
    pytest.param(b"_x\r\n", id="null with payload"),
    pytest.param(b"(12a\r\n", id="bad big number"),
    pytest.param(b"(+5\r\n", id="big number with plus sign"),
    pytest.param(b"=3\r\nabc\r\n", id="verbatim without format"),
    pytest.param(b"+a\rb\r\n", id="bare CR in simple string"),
    pytest.param(b"+a\nb\r\n", id="bare LF in simple string"),
    pytest.param(b"*1\n:1\r\n", id="bare LF in array header"),
    pytest.param(b"$3\r\r\nabc\r\n", id="bare CR in bulk header"),
    pytest.param(b"%1\r\n*1\r\n:1\r\n:2\r\n", id="array as map key"),
    pytest.param(b"%1\r\n%0\r\n:1\r\n", id="map as map key"),
    pytest.param(b"*2\r\n:1\r\n%1\r\n~0\r\n:1\r\n", id="set as nested map key"),
]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("parser_class", PARSERS)
@pytest.mark.parametrize("wire", MALFORMED)
def test_malformed_input_raises_protocol_error(parser_class: ParserClass, encoding: str | None, wire: bytes) -> None:
    parser = parser_class(encoding=encoding)
    parser.feed(wire + b":1\r\n" * 3)
    with pytest.raises(ProtocolError):
        for _ in range(10):  # a bound: a parser that never raises fails, never hangs
            parser.gets()


@pytest.mark.parametrize("parser_class", PARSERS)
@pytest.mark.parametrize("wire", MALFORMED)
def test_malformed_input_fed_byte_by_byte_raises_protocol_error(parser_class: ParserClass, wire: bytes) -> None:
    parser = parser_class()
    with pytest.raises(ProtocolError):
        for byte in wire + b":1\r\n":
            parser.feed(bytes([byte]))
            parser.gets()


def test_python_parser_refuses_further_use_after_a_protocol_error() -> None:
    parser = PythonParser()
    parser.feed(b"?bad\r\n")
    with pytest.raises(ProtocolError):
        parser.gets()
    parser.feed(b"+OK\r\n")
    for _ in range(2):
        with pytest.raises(ProtocolError, match="unusable"):
            parser.gets()


def test_python_parser_rejects_a_header_line_that_never_ends() -> None:
    parser = PythonParser()
    parser.feed(b"+" + b"x" * (parser_module.MAX_LINE + 1))
    with pytest.raises(ProtocolError):
        parser.gets()


# -- memory -------------------------------------------------------------------


def feed_replies_cut_mid_reply(parser: PythonParser, count: int) -> int:
    """Feed ``count`` small replies, every read ending inside a reply; return the largest buffer seen."""
    reply = b"*2\r\n$5\r\nhello\r\n:12345\r\n"
    stream = reply * count
    cuts = [0, *range(len(reply) // 2, len(stream), len(reply)), len(stream)]
    largest = replies = 0
    for start, end in zip(cuts, cuts[1:], strict=False):
        parser.feed(stream[start:end])
        while parser.gets() is not False:
            replies += 1
        largest = max(largest, len(parser._buf))
    assert replies == count
    return largest


def test_python_parser_buffer_stays_small_when_every_read_ends_mid_reply() -> None:
    parser = PythonParser()
    largest = feed_replies_cut_mid_reply(parser, 20_000)
    assert largest < 128 * 1024
    assert parser.buffered() == 0


def test_the_buffer_test_fails_without_compaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_module, "_COMPACT_AT", 2**62)
    largest = feed_replies_cut_mid_reply(PythonParser(), 20_000)
    assert largest > 128 * 1024  # the assertion above can fail: this is what it guards against
