"""What the portal accepts as request text, and the API's parsers that hold to it.

NUL and lone surrogates (U+D800–U+DFFF) never belong in a request: PostgreSQL refuses NUL in text
and jsonb, and a lone surrogate cannot be encoded as UTF-8, so either one reaching a query, a save
or a rendered error message ends in a 500. JSON is also nested no deeper than ``MAX_JSON_DEPTH``:
Python's decoder hits the recursion limit past about a thousand levels, and the serializers walk
nested data recursively long before that.

``UnsafeInputMiddleware`` (portal.middleware) applies the same rule to what Django parses (the path,
the query string, form bodies); the parsers here apply it to what DRF parses.
"""

import codecs
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_JSON_DEPTH = 32
UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


# DRF errors, not portal.exceptions ones: DRF imports this module while portal.exceptions is still
# importing DRF. The exception handler gives them the error body with their code (HTTP 400).
class UnsafeCharacters(ParseError):
    default_code = "unsafe_characters"
    default_detail = gettext_lazy("请求中含有不允许的字符（空字符或无效的 Unicode 代理字符），请检查后重新提交。")


class JsonTooDeep(ParseError):
    default_code = "json_too_deep"
    default_detail = f"JSON 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）。"


def is_unsafe_text(text: str) -> bool:
    return UNSAFE_CHARACTERS.search(text) is not None


def has_unsafe_pairs(pairs: Iterable[tuple[str, Iterable[str]]]) -> bool:
    """True if any key or value of a ``QueryDict.lists()``-like sequence holds NUL or a surrogate."""
    return any(is_unsafe_text(key) or any(is_unsafe_text(v) for v in values) for key, values in pairs)


def check_json_value(data: Any) -> None:
    """Raise ``JsonTooDeep`` or ``UnsafeCharacters`` for parsed JSON; iterative, so any depth is safe."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if is_unsafe_text(value):
                raise UnsafeCharacters()
        elif isinstance(value, Mapping | list):
            if depth > MAX_JSON_DEPTH:
                raise JsonTooDeep()
            if isinstance(value, Mapping):
                for key, item in value.items():
                    if is_unsafe_text(key):
                        raise UnsafeCharacters()
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def read_capped(stream: Any) -> bytes:
    """The body, refused past DATA_UPLOAD_MAX_MEMORY_SIZE: DRF streams a JSON body to the decoder
    without the limit Django puts on the bodies it reads itself."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if stream is None:
        return b""
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    return body


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping | None = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        body = read_capped(stream)
        try:
            text = codecs.decode(body, encoding)
        # The client names the charset, and Django accepts any codec Python knows (base64, zlib...),
        # each with errors of its own.
        except Exception as exc:  # noqa: BLE001
            raise ParseError("JSON parse error - the body is not text in its declared charset.") from exc
        if not isinstance(text, str):
            raise ParseError("JSON parse error - the body is not text in its declared charset.")
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError as exc:
            raise JsonTooDeep() from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        check_json_value(data)
        return data


class FormParser(parsers.FormParser):
    """Bodies DRF parses itself (PUT, PATCH); a POST form was already checked by the middleware."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if has_unsafe_pairs(data.lists()):
            raise UnsafeCharacters()
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping | None = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        names = [(key, [f.name or "" for f in files]) for key, files in result.files.lists()]
        if has_unsafe_pairs(result.data.lists()) or has_unsafe_pairs(names):
            raise UnsafeCharacters()
        return result
