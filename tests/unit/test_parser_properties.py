"""Property tests: the two parsers against each other, and the pure parser against random bytes.

Random reply trees are serialized to RESP and fed cut at random byte
boundaries; ``PythonParser`` and ``HiredisParser`` must return the same
replies, of the same types, in the same order, and both must equal the tree.
"""

from __future__ import annotations

import math
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leanredis.exceptions import ProtocolError, ResponseError
from leanredis.resp import HiredisParser, Push, PythonParser
from leanredis.resp.limits import limit_elements

CRLF = b"\r\n"
MORE = object()  # gets() result when more bytes are needed; #f is False
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Reply:
    """One generated reply: its RESP bytes and the value each parser must return."""

    __slots__ = ("wire", "raw", "text")

    def __init__(self, wire: bytes, raw: Any, text: Any = None, *, same: bool = False) -> None:
        self.wire = wire
        self.raw = raw  # without an encoding
        self.text = raw if same else text  # with encoding="utf-8"

    def expected(self, encoding: str | None) -> Any:
        return self.raw if encoding is None else self.text


def string_reply(wire: bytes, data: bytes) -> Reply:
    return Reply(wire, data, data.decode("utf-8"))


line_text = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=12)
blob_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=20)


@st.composite
def doubles(draw: st.DrawFn) -> Reply:
    value = draw(st.floats(allow_nan=True, allow_infinity=True))
    if math.isnan(value):
        body = b"nan"
    elif math.isinf(value):
        body = b"inf" if value > 0 else b"-inf"
    else:
        body = repr(value).encode()
    return Reply(b"," + body + CRLF, value, same=True)


def scalars() -> st.SearchStrategy[Reply]:
    """Every scalar both parsers read the same way (text kept valid UTF-8, so both encodings apply)."""
    return st.one_of(
        line_text.map(lambda s: string_reply(b"+" + s.encode() + CRLF, s.encode())),
        line_text.map(lambda s: Reply(b"-ERR " + s.encode() + CRLF, ResponseError("ERR " + s), same=True)),
        st.integers(-(2**63), 2**63 - 1).map(lambda n: Reply(b":%d\r\n" % n, n, same=True)),
        blob_text.map(lambda s: string_reply(b"$%d\r\n" % len(s.encode()) + s.encode() + CRLF, s.encode())),
        st.sampled_from([b"$-1\r\n", b"*-1\r\n", b"_\r\n"]).map(lambda w: Reply(w, None, same=True)),
        doubles(),
        st.booleans().map(lambda b: Reply(b"#t\r\n" if b else b"#f\r\n", b, same=True)),
        st.integers().map(lambda n: string_reply(b"(%d\r\n" % n, b"%d" % n)),
        st.tuples(st.sampled_from(["txt", "mkd"]), blob_text).map(
            lambda fs: string_reply(
                b"=%d\r\n" % (len(fs[1].encode()) + 4) + fs[0].encode() + b":" + fs[1].encode() + CRLF, fs[1].encode()
            )
        ),
    )


def hashable_keys() -> st.SearchStrategy[Reply]:
    """Map keys: scalars except errors (exceptions hash by identity) and nan (never equal to itself)."""
    return scalars().filter(lambda r: not isinstance(r.raw, ResponseError) and not _is_nan(r.raw))


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def array_like(kind: bytes, children: st.SearchStrategy[Reply], factory: type = list) -> st.SearchStrategy[Reply]:
    return st.lists(children, max_size=5).map(
        lambda items: Reply(
            kind + b"%d\r\n" % len(items) + b"".join(i.wire for i in items),
            factory([i.raw for i in items]),
            factory([i.text for i in items]),
        )
    )


def maps(children: st.SearchStrategy[Reply]) -> st.SearchStrategy[Reply]:
    def build(pairs: list[tuple[Reply, Reply]]) -> Reply:
        raw = {k.raw: v.raw for k, v in pairs}
        text = {k.text: v.text for k, v in pairs}
        return Reply(b"%%%d\r\n" % len(pairs) + b"".join(k.wire + v.wire for k, v in pairs), raw, text)

    # keys unique as dict keys (1, 1.0 and True are one key): hiredis mangles a map with a
    # repeated key (see test_hiredis_shifts_values_of_a_map_with_a_repeated_key); servers never repeat one
    return st.lists(st.tuples(hashable_keys(), children), max_size=4, unique_by=lambda kv: kv[0].raw).map(build)


def replies() -> st.SearchStrategy[Reply]:
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            array_like(b"*", children), array_like(b"~", children), maps(children), array_like(b">", children, Push)
        ),
        max_leaves=20,
    )


def same(actual: Any, expected: Any) -> bool:
    """Equal values of exactly the same types, all the way down (nan equals nan)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, ResponseError):
        return actual.args == expected.args
    if _is_nan(expected):
        return math.isnan(actual)
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(expected, dict):
        return len(actual) == len(expected) and all(
            same(ak, ek) and same(av, ev)
            for (ak, av), (ek, ev) in zip(actual.items(), expected.items(), strict=True)
        )
    return bool(actual == expected)


def feed_in_pieces(parser: Any, wire: bytes, cuts: list[int]) -> list[Any]:
    """Feed ``wire`` cut at ``cuts``, calling gets() after every piece; return the replies in order."""
    out = []
    bounds = [0, *sorted(c % (len(wire) + 1) for c in cuts), len(wire)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        parser.feed(wire[start:end])
        while (reply := parser.gets()) is not MORE:
            out.append(reply)
    return out


@FAST
@given(
    trees=st.lists(replies(), min_size=1, max_size=6),
    cuts=st.lists(st.integers(0, 10_000), max_size=40),
    encoding=st.sampled_from([None, "utf-8"]),
)
def test_both_parsers_return_the_same_replies_whatever_the_cuts(
    trees: list[Reply], cuts: list[int], encoding: str | None
) -> None:
    wire = b"".join(tree.wire for tree in trees)
    from_python = feed_in_pieces(PythonParser(encoding, not_enough_data=MORE), wire, cuts)
    from_hiredis = feed_in_pieces(HiredisParser(encoding, not_enough_data=MORE), wire, cuts)
    expected = [tree.expected(encoding) for tree in trees]
    assert len(from_python) == len(from_hiredis) == len(expected)
    for got_python, got_hiredis, want in zip(from_python, from_hiredis, expected, strict=True):
        assert same(got_python, got_hiredis), (got_python, got_hiredis)
        assert same(got_python, want), (got_python, want)


@settings(max_examples=40, deadline=None)
@given(trees=st.lists(replies(), min_size=1, max_size=3))
def test_both_parsers_agree_fed_one_byte_at_a_time(trees: list[Reply]) -> None:
    wire = b"".join(tree.wire for tree in trees)
    every_byte = list(range(len(wire)))
    from_python = feed_in_pieces(PythonParser(not_enough_data=MORE), wire, every_byte)
    from_hiredis = feed_in_pieces(HiredisParser(not_enough_data=MORE), wire, every_byte)
    assert len(from_python) == len(trees)
    assert all(same(p, h) for p, h in zip(from_python, from_hiredis, strict=True))


def test_hiredis_shifts_values_of_a_map_with_a_repeated_key() -> None:
    """A hiredis bug pinned so that a fix shows up; no server sends a map with a repeated key."""
    wire = b"%3\r\n+k\r\n+a\r\n+j\r\n+b\r\n+k\r\n+c\r\n"
    python, hiredis = PythonParser(), HiredisParser()
    python.feed(wire)
    hiredis.feed(wire)
    assert python.gets() == {b"k": b"c", b"j": b"b"}  # what dict(...) of the pairs gives
    assert hiredis.gets() == {b"k": None, b"j": b"c"}


# -- the pure parser alone: attributes and blob errors ------------------------


def annotated(children: st.SearchStrategy[tuple[bytes, Any]]) -> st.SearchStrategy[tuple[bytes, Any]]:
    return st.lists(children, max_size=4).map(
        lambda items: (b"*%d\r\n" % len(items) + b"".join(w for w, _ in items), [v for _, v in items])
    )


@st.composite
def attribute(draw: st.DrawFn) -> bytes:
    pairs = draw(st.lists(st.tuples(hashable_keys(), scalars()), max_size=3))
    return b"|%d\r\n" % len(pairs) + b"".join(k.wire + v.wire for k, v in pairs)


@st.composite
def maybe_annotated(draw: st.DrawFn, wire_and_value: tuple[bytes, Any]) -> tuple[bytes, Any]:
    wire, value = wire_and_value
    prefix = b"".join(draw(st.lists(attribute(), max_size=2)))
    return prefix + wire, value


def annotated_trees() -> st.SearchStrategy[tuple[bytes, Any]]:
    leaves = scalars().map(lambda r: (r.wire, r.raw)).flatmap(maybe_annotated)
    return st.recursive(leaves, lambda children: annotated(children).flatmap(maybe_annotated), max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees=st.lists(annotated_trees(), min_size=1, max_size=3), cuts=st.lists(st.integers(0, 10_000), max_size=30))
def test_python_parser_skips_attributes_anywhere(trees: list[tuple[bytes, Any]], cuts: list[int]) -> None:
    wire = b"".join(w for w, _ in trees)
    got = feed_in_pieces(PythonParser(not_enough_data=MORE), wire, cuts)
    assert len(got) == len(trees)
    assert all(same(g, v) for g, (_, v) in zip(got, trees, strict=True))


@FAST
@given(message=st.binary(max_size=40), cuts=st.lists(st.integers(0, 100), max_size=10))
def test_python_parser_reads_blob_errors_as_error_values(message: bytes, cuts: list[int]) -> None:
    wire = b"!%d\r\n" % len(message) + message + CRLF + b"*1\r\n!1\r\nx\r\n"
    got = feed_in_pieces(PythonParser(not_enough_data=MORE), wire, cuts)
    assert same(got[0], ResponseError(message.decode("utf-8", "replace")))
    assert same(got[1], [ResponseError("x")])


# -- random bytes --------------------------------------------------------------

TOKENS = [b"+", b"-", b":", b"$", b"*", b"_", b",", b"#", b"(", b"=", b"%", b"~", b">", b"|", b"!"]
TOKENS += [b"\r\n", b"\r", b"\n", b"0", b"1", b"2", b"-1", b"t", b"f", b"inf", b"nan", b"e", b".", b"txt:", b"x"]


def resp_like_bytes() -> st.SearchStrategy[bytes]:
    """Bytes that often look like RESP, so the fuzz reaches deep into the parser."""
    return st.one_of(st.binary(max_size=64), st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join))


def fuzz(parser: Any, data: bytes, cuts: list[int]) -> None:
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        parser.feed(data[start:end])
        # every reply consumes at least 3 bytes, so this bound is never the reason the loop ends
        for _ in range(len(data) + 2):
            if parser.gets() is MORE:
                break
        else:
            raise AssertionError("gets() did not run out of replies")


@settings(max_examples=1000, deadline=None)
@given(data=resp_like_bytes(), cuts=st.lists(st.integers(0, 200), max_size=8))
def test_random_bytes_parse_or_raise_protocol_error_in_python_parser(data: bytes, cuts: list[int]) -> None:
    try:
        fuzz(PythonParser(not_enough_data=MORE), data, cuts)
    except ProtocolError:
        pass


@settings(max_examples=1000, deadline=None)
@given(data=resp_like_bytes(), cuts=st.lists(st.integers(0, 200), max_size=8))
def test_random_bytes_parse_or_raise_protocol_error_in_hiredis_parser(data: bytes, cuts: list[int]) -> None:
    try:
        fuzz(HiredisParser(not_enough_data=MORE), data, cuts)
    except ProtocolError:
        pass


@settings(max_examples=200, deadline=None)
@given(data=resp_like_bytes())
def test_with_an_encoding_random_bytes_raise_only_protocol_or_decode_errors(data: bytes) -> None:
    parser = PythonParser("utf-8", not_enough_data=MORE)
    parser.feed(data)
    for _ in range(len(data) + 2):
        try:
            if parser.gets() is MORE:
                return
        except UnicodeDecodeError:
            continue  # documented, like hiredis: the reply is consumed, the next one can be read
        except ProtocolError:
            return
    raise AssertionError("gets() did not run out of replies")


# -- valid streams corrupted at random, with the aggregate bound the connection sets -------------

BOUND = 64  # elements: what limit_elements / max_elements allow an aggregate here


def bounded_python() -> PythonParser:
    parser = PythonParser(not_enough_data=MORE)
    parser.max_elements = BOUND
    return parser


def bounded_hiredis() -> HiredisParser:
    parser = HiredisParser(not_enough_data=MORE)
    # the reader make_reader built, bounded as the connection bounds its own
    assert limit_elements(parser._reader, BOUND), "this hiredis-py cannot be bounded: the connection reports it"
    return parser


@st.composite
def corrupted(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A valid stream and a copy with bytes flipped, deleted, inserted, or a length made huge."""
    wire = b"".join(tree.wire for tree in draw(st.lists(replies(), min_size=1, max_size=4)))
    damaged = bytearray(wire)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(damaged) - 1)))
        how = draw(st.sampled_from(["flip", "delete", "insert", "huge"]))
        if how == "flip" and damaged:
            damaged[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "delete" and damaged:
            del damaged[at]
        elif how == "insert":
            damaged[at:at] = draw(st.sampled_from(TOKENS))
        else:  # an aggregate or bulk header announcing far more than the bound
            damaged[at:at] = draw(st.sampled_from([b"*2147483648\r\n", b"%4294967295\r\n", b"~99999\r\n",
                                                   b"$2147483647\r\n", b"*65\r\n", b">1000000\r\n"]))
    return wire, bytes(damaged)


def parse_all(parser: Any, data: bytes, cuts: list[int]) -> list[Any]:
    """Every reply ``data`` gives, fed in pieces; a loop bound proves gets() never spins."""
    out: list[Any] = []
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        parser.feed(data[start:end])
        for _ in range(len(data) + 2):
            reply = parser.gets()
            if reply is MORE:
                break
            out.append(reply)
        else:
            raise AssertionError("gets() did not run out of replies")
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=corrupted(), cuts=st.lists(st.integers(0, 10_000), max_size=10),
       parser=st.sampled_from([bounded_python, bounded_hiredis]))
def test_corrupted_streams_give_protocol_error_or_replies_never_a_hang_or_an_unbounded_aggregate(
    stream: tuple[bytes, bytes], cuts: list[int], parser: Any
) -> None:
    wire, damaged = stream
    tracemalloc.start()
    try:
        try:
            got = parse_all(parser(), damaged, cuts)
        except ProtocolError:
            got = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # an aggregate of 2^31 elements would take 16 GiB; within the bound everything stays tiny
    assert peak < 1024 * 1024, f"{peak} bytes allocated for {len(damaged)} bytes of input"
    if got is not None:
        assert all(depth_count(reply) <= BOUND for reply in got)
    if damaged == wire:
        assert got is not None


def depth_count(reply: Any) -> int:
    """The largest aggregate anywhere in ``reply``."""
    if isinstance(reply, dict):
        return max([len(reply), *(depth_count(v) for v in reply.values())])
    if isinstance(reply, list):
        return max([len(reply), *(depth_count(v) for v in reply)])
    return 0


@pytest.mark.parametrize("parser", [bounded_python, bounded_hiredis], ids=["python", "hiredis"])
@pytest.mark.parametrize("header", [b"*2147483648\r\n", b"*4294967295\r\n", b"%2147483648\r\n", b"~65\r\n",
                                    b">65\r\n", b"*65\r\n"])
def test_an_aggregate_past_the_bound_is_refused_at_its_header(parser: Any, header: bytes) -> None:
    reader = parser()
    tracemalloc.start()
    try:
        reader.feed(header)
        with pytest.raises(ProtocolError):
            reader.gets()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024
    at_bound = parser()
    at_bound.feed(b"*64\r\n" + b":1\r\n" * 64)
    assert at_bound.gets() == [1] * 64
