"""schemathesis hooks of the contract tier (loaded through SCHEMATHESIS_HOOKS).

The media upload declares its file's content types (multipart `encoding`); these are the
images schemathesis sends for them: real files Pillow reads, of several sizes and modes,
so positive cases test uploads and renditions instead of being refused as not an image.
"""

from __future__ import annotations

import ast
import io
import threading

import schemathesis
from hypothesis import strategies as st
from PIL import Image

# schemathesis' workers are threads, and Hypothesis parses source code (`ast.parse`) to
# describe lambdas. On CPython 3.11 before 3.11.8 (this kit's 3.11.7) the AST builder's
# recursion counter is shared between threads, so two parses at once can fail with
# "SystemError: AST constructor recursion depth mismatch": one parse at a time.
_parse_lock = threading.RLock()
_parse = ast.parse


def _parse_one_at_a_time(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time

FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def _image(fmt: str, width: int, height: int, mode: str) -> bytes:
    if fmt == "JPEG" and mode == "RGBA":
        mode = "RGB"
    out = io.BytesIO()
    Image.new(mode, (width, height), (200, 80, 40, 255)[: len(mode)]).save(out, fmt)
    return out.getvalue()


for media_type, fmt in FORMATS.items():
    schemathesis.openapi.media_type(
        media_type,
        st.builds(
            _image,
            st.just(fmt),
            st.integers(1, 400),
            st.integers(1, 400),
            st.sampled_from(["RGB", "RGBA"]),
        ),
    )
