"""Script: a Lua script registered once and run by its SHA1 (``register_script``).

The digest is computed here, so the first call costs one EVALSHA; when the
server does not know the script (NOSCRIPT: a restart, a SCRIPT FLUSH, or
another server) it is loaded and run again: two more round trips, which is
why calling a ``Script`` is a coroutine rather than a ``CommandFuture``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from .exceptions import NoScriptError

ScriptTextT = str | bytes


class Script:
    """A Lua script bound to a client; ``await script(keys=[...], args=[...])`` runs it."""

    __slots__ = ("registered_client", "script", "sha")

    def __init__(self, registered_client: Any, script: ScriptTextT) -> None:
        self.registered_client = registered_client
        self.script = script
        if isinstance(script, str):
            # the server hashes the bytes it receives: encode as the client will
            options = getattr(registered_client, "options", None)
            encoding = getattr(options, "encoding", "utf-8")
            errors = getattr(options, "encoding_errors", "strict")
            body = script.encode(encoding, errors)
        else:
            body = bytes(script)
        self.sha: str = hashlib.sha1(body).hexdigest()

    async def __call__(
        self,
        keys: Sequence[Any] | None = None,
        args: Iterable[Any] | None = None,
        client: Any = None,
    ) -> Any:
        """Run the script with ``keys`` and ``args`` on ``client`` (default: the registering client).

        EVALSHA first; on NOSCRIPT, SCRIPT LOAD and EVALSHA again. On a pipeline the EVALSHA is
        recorded and the pipeline loads the script before it runs, as redis-py's does.
        """
        keys = tuple(keys or ())
        arguments = (*keys, *(args or ()))
        if client is None:
            client = self.registered_client
        # a pipeline (Pipeline, ClusterPipeline: ``_records_scripts = True``) runs nothing until executed;
        # an attribute, not an isinstance: the pipelines are a layer above (they import the command mixins)
        if getattr(client, "_records_scripts", False):
            client.scripts.add(self)  # loaded (if the server lacks it) before the pipeline runs
        try:
            return await client.evalsha(self.sha, len(keys), *arguments)
        except NoScriptError:
            # not cached on this server (flushed, restarted, or another server): load it
            self.sha = await client.script_load(self.script)
            return await client.evalsha(self.sha, len(keys), *arguments)

    def __repr__(self) -> str:
        return f"<Script sha={self.sha}>"
