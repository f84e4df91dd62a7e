"""Streaming multipart parsing for the contact form.

Starlette's own form parser spools uploads to temporary files in clear; a contact's file must
never touch the disk unencrypted, so this parser hands each chunk straight to a BlobWriter,
which encrypts it and stops the upload as soon as it passes the size limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from homeward.contact import blobs
from homeward.contact.blobs import BlobWriter, StoredBlob
from homeward.core.errors import BadInput, TooLarge

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

WriterFactory = Callable[[str, str], BlobWriter]


@dataclass
class ParsedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[StoredBlob] = field(default_factory=list)
    too_large: list[str] = field(default_factory=list)
    """Files past the size limit: their bytes were skipped, the text fields still read."""
    over_count: list[str] = field(default_factory=list)
    """Files past the number allowed, skipped likewise."""
    not_kept: list[str] = field(default_factory=list)
    """Files skipped because the form was read with keep_files=False."""

    @property
    def refused_files(self) -> bool:
        return bool(self.too_large or self.over_count)


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str = ""
    data: bytearray = field(default_factory=bytearray)
    writer: BlobWriter | None = None
    skipped: bool = False
    """A file part whose bytes are read past and dropped."""


class _FormReader:
    def __init__(
        self,
        new_writer: WriterFactory,
        *,
        max_field_bytes: int,
        max_files: int,
        max_fields: int,
        keep_files: bool = True,
    ) -> None:
        self.form = ParsedForm()
        self._keep_files = keep_files
        self._new_writer = new_writer
        self._max_field_bytes = max_field_bytes
        self._max_files = max_files
        self._max_fields = max_fields
        self._part = _Part()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}
        self._open_writers: list[BlobWriter] = []
        self._error: Exception | None = None
        self.complete = False
        """Set by the closing boundary only: a body cut short never sets it."""

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_end": self._on_end,
        }

    def _guard(self, action: Callable[[], None]) -> None:
        if self._error is None:
            try:
                action()
            except (BadInput, OSError) as exc:
                self._error = exc

    def _on_end(self) -> None:
        self.complete = True

    def _on_part_begin(self) -> None:
        self._part = _Part()
        self._headers = {}

    def _on_header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = self._header_value.decode(
            "latin-1"
        )
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        self._guard(self._start_part)

    def _start_part(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition", ""))
        if disposition != b"form-data" or b"name" not in options:
            raise BadInput("form", "malformed multipart part")
        self._part.name = options[b"name"].decode("utf-8", "replace")
        if b"filename" in options:
            filename = options[b"filename"].decode("utf-8", "replace")
            if not filename:
                self._part.filename = ""  # an empty file input: nothing chosen
                return
            self._part.filename = filename
            if not self._keep_files:
                self._skip(self.form.not_kept)
                return
            if len(self.form.files) + len(self._open_writers) >= self._max_files:
                self._skip(self.form.over_count)
                return
            self._part.content_type = self._headers.get("content-type", "")
            writer = self._new_writer(filename, self._part.content_type)
            self._part.writer = writer
            self._open_writers.append(writer)
        elif len(self.form.fields) >= self._max_fields:
            raise BadInput("form", "too many fields")

    def _skip(self, reason: list[str]) -> None:
        """Read past this file's bytes and note its name, so that the form's text still
        arrives and can be given back to the writer."""
        self._part.skipped = True
        reason.append(self._part.filename or "")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        def write() -> None:
            chunk = data[start:end]
            if self._part.skipped:
                return
            if self._part.writer is not None:
                try:
                    self._part.writer.write(chunk)
                except TooLarge:  # the writer has removed its partial file
                    self._open_writers.remove(self._part.writer)
                    self._part.writer = None
                    self._skip(self.form.too_large)
            elif self._part.filename is None:
                if len(self._part.data) + len(chunk) > self._max_field_bytes:
                    raise TooLarge(self._part.name or "field", "too long")
                self._part.data.extend(chunk)

        self._guard(write)

    def _on_part_end(self) -> None:
        def finish() -> None:
            part = self._part
            if part.writer is not None:
                self._open_writers.remove(part.writer)
                blob = part.writer.finish()
                if blob.size_bytes:
                    self.form.files.append(blob)
                else:
                    part.writer.abort()
            elif part.filename is None:
                try:
                    self.form.fields[part.name] = part.data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise BadInput(part.name, "not valid UTF-8 text") from exc

        self._guard(finish)

    def abort(self) -> None:
        for writer in self._open_writers:
            writer.abort()
        self._open_writers.clear()

    def check(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """After the last chunk. python-multipart's finalize() does not check that the closing
        boundary came: a truncated body would be stored without its last file, whose partial
        blob would stay behind."""
        self.check()
        if not self.complete:
            raise BadInput("form", "the body ended before its closing boundary")


async def read_form(
    content_type: str,
    body: AsyncIterator[bytes],
    *,
    blobs_dir: Path,
    max_file_bytes: int,
    max_field_bytes: int,
    max_files: int,
    max_fields: int = 20,
    keep_files: bool = True,
) -> ParsedForm:
    """Parse a multipart body, encrypting files into the blob store as they arrive (none at
    all with keep_files=False: their names are noted, their bytes skipped).

    A file too large, or past the number allowed, is skipped and named in the form, the text
    fields read on: the caller gives the letter back with the problem, then discards the
    files stored. On any other error every blob written so far is deleted before the error is
    raised."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise BadInput("form", "expected multipart/form-data")

    def new_writer(filename: str, file_type: str) -> BlobWriter:
        return BlobWriter(
            blobs_dir, max_bytes=max_file_bytes, filename=filename, content_type=file_type
        )

    reader = _FormReader(
        new_writer,
        max_field_bytes=max_field_bytes,
        max_files=max_files,
        max_fields=max_fields,
        keep_files=keep_files,
    )
    parser = MultipartParser(options[b"boundary"], reader.callbacks())
    try:
        async for chunk in body:
            parser.write(chunk)
            reader.check()
        parser.finalize()
        reader.finish()
    except FormParserError as exc:
        discard(blobs_dir, reader)
        raise BadInput("form", "malformed multipart body") from exc
    except BaseException:
        discard(blobs_dir, reader)
        raise
    return reader.form


def discard(blobs_dir: Path, reader: _FormReader | ParsedForm) -> None:
    """Delete every blob of a form that will not be stored."""
    if isinstance(reader, _FormReader):
        reader.abort()
        reader = reader.form
    for blob in reader.files:
        blobs.remove(blobs_dir, blob.blob_name)
