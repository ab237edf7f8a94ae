"""Request bodies that carry images: JSON, or a multipart form with the files beside it.

``POST /api/v1/reports`` and ``POST /api/v1/disputes`` take the same two shapes: the
object as ``application/json`` (images base64 in ``content.media``), or a multipart
form whose field ``name`` holds the object as JSON and whose ``media`` files are the
images. :func:`openapi_body` documents both; :func:`parse` reads either.
"""

from __future__ import annotations

import base64
import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from alteram.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
MAX_FILES = 10


def openapi_body(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The ``requestBody`` of a route taking ``model`` as JSON or as multipart."""
    return {
        "required": True,
        "content": {
            "application/json": {"schema": model.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [name],
                    "properties": {
                        name: {
                            "type": "string",
                            "description": f"The {name} as JSON, as for application/json, "
                            "without content.media",
                        },
                        "media": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": f"Up to {MAX_FILES} image files kept as evidence",
                        },
                    },
                }
            },
        },
    }


async def parse(request: Request, model: type[M], name: str) -> M:
    """``model`` from a JSON body, or from a multipart form's ``name`` field and files."""
    try:
        kind = request.headers.get("content-type", "")
        if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            async with request.form(max_files=MAX_FILES, max_fields=20) as form:
                raw = form.get(name)
                if not isinstance(raw, str):
                    raise InvalidInput(
                        f"a multipart {name} needs a '{name}' field (JSON)", field=name
                    )
                data = json.loads(raw)
                if not isinstance(data, dict) or not isinstance(data.get("content"), dict):
                    raise InvalidInput(f"'{name}' must be a JSON {name} object", field=name)
                files = [f for f in form.getlist("media") if isinstance(f, UploadFile)]
                data["content"]["media"] = [
                    {"data": base64.b64encode(await f.read()).decode()} for f in files
                ] or None
            return model.model_validate(data)
        return model.model_validate_json(await request.body())
    except json.JSONDecodeError:
        raise InvalidInput(f"the '{name}' field is not valid JSON", field=name) from None
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
