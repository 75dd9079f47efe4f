"""Breaking changes between two OpenAPI documents, as a client of the older one would meet them.

A request is written by old clients and read by the new server (the schema check runs backward);
a response is written by the new server and read by old clients (forward). Gone paths and
operations, new required parameters or bodies, and gone success responses break clients too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from greenroom.suites.contract.compat import Direction, breaks, resolve

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
Document = Mapping[str, Any]


@dataclass(frozen=True)
class ApiBreak:
    """One change an existing client would notice."""

    where: str
    """``POST /orders``, ``POST /orders request body field `sku```..."""
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.detail} [{self.rule}]"


def _operations(doc: Document) -> dict[tuple[str, str], Mapping[str, Any]]:
    found = {}
    for path, item in (doc.get("paths") or {}).items():
        item = resolve(item, doc)
        for method in METHODS:
            if isinstance(item.get(method), Mapping):
                found[(path, method)] = item[method]
    return found


def _parameters(op: Mapping[str, Any], doc: Document) -> dict[tuple[str, str], Mapping[str, Any]]:
    params = (resolve(p, doc) for p in op.get("parameters") or ())
    return {(str(p.get("in")), str(p.get("name"))): p for p in params if p}


def _content(node: Any, doc: Document) -> Mapping[str, Any]:
    return resolve(node, doc).get("content") or {}


def _schema_breaks(
    old: Any, new: Any, docs: tuple[Document, Document], direction: Direction, where: str
) -> Iterator[ApiBreak]:
    for item in breaks(old, new, direction, roots=docs):
        field = f" field `{item.field}`" if item.field else ""
        yield ApiBreak(f"{where}{field}", item.rule, item.detail)


def _operation_breaks(
    old: Mapping[str, Any], new: Mapping[str, Any], docs: tuple[Document, Document], name: str
) -> Iterator[ApiBreak]:
    was, now = _parameters(old, docs[0]), _parameters(new, docs[1])
    for key, param in sorted(now.items()):
        if param.get("required") and not (key in was and was[key].get("required")):
            yield ApiBreak(
                f"{name} {key[0]} parameter `{key[1]}`",
                "required-parameter-added",
                "clients that do not send it are refused",
            )
        if key in was:
            yield from _schema_breaks(
                was[key].get("schema", {}),
                param.get("schema", {}),
                docs,
                "backward",
                f"{name} {key[0]} parameter `{key[1]}`",
            )
    body_was, body_now = (
        resolve(old.get("requestBody"), docs[0]),
        resolve(new.get("requestBody"), docs[1]),
    )
    if body_now.get("required") and not body_was.get("required"):
        yield ApiBreak(f"{name} request body", "request-body-required", "a body is now required")
    sent, read = _content(body_was, docs[0]), _content(body_now, docs[1])
    for media, spec in sorted(sent.items()):
        if read and media not in read:
            yield ApiBreak(
                f"{name} request body", "media-type-removed", f"{media} is no longer read"
            )
        elif media in read:
            yield from _schema_breaks(
                spec.get("schema", {}),
                read[media].get("schema", {}),
                docs,
                "backward",
                f"{name} request body",
            )
    yield from _response_breaks(old, new, docs, name)


def _response_breaks(
    old: Mapping[str, Any], new: Mapping[str, Any], docs: tuple[Document, Document], name: str
) -> Iterator[ApiBreak]:
    was: Mapping[str, Any] = old.get("responses") or {}
    now: Mapping[str, Any] = new.get("responses") or {}
    for status, response in sorted(was.items()):
        where = f"{name} response {status}"
        if status not in now:
            if str(status).startswith("2"):
                yield ApiBreak(where, "response-removed", "clients expecting it get another status")
            continue
        given = _content(now[status], docs[1])
        for media, spec in sorted(_content(response, docs[0]).items()):
            if media not in given:
                yield ApiBreak(where, "media-type-removed", f"{media} is no longer returned")
                continue
            yield from _schema_breaks(
                spec.get("schema", {}), given[media].get("schema", {}), docs, "forward", where
            )


def diff(old: Document, new: Document) -> list[ApiBreak]:
    """Every breaking change from ``old`` to ``new``, in path and method order."""
    before, after = _operations(old), _operations(new)
    docs = (old, new)
    found: list[ApiBreak] = []
    paths_now = {path for path, _ in after}
    for (path, method), operation in sorted(before.items()):
        name = f"{method.upper()} {path}"
        if path not in paths_now:
            found.append(ApiBreak(name, "path-removed", f"{path} is gone"))
        elif (path, method) not in after:
            found.append(ApiBreak(name, "operation-removed", f"{method.upper()} is gone"))
        else:
            found.extend(_operation_breaks(operation, after[(path, method)], docs, name))
    return found
