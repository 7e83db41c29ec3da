"""kbundle's own decompressing reader for gzip, xz and bzip2 files.

Unlike ``gzip.open`` and friends it

* counts what it reads and what it produces, and refuses to produce more than
  ``max_ratio`` times the compressed bytes read (after a free allowance): a decompression
  bomb stops after a bounded amount of work, whatever sizes its contents declare;
* never produces more than one read asked for (bounded memory per call);
* reads concatenated streams (``pigz``, ``cat a.gz b.gz``, multi-stream xz) and stream
  padding of zero bytes, and stops at trailing bytes that are not another stream, keeping
  their count in :attr:`DecompressingReader.trailing` instead of failing the whole file
  (what ``gzip -d`` does with a warning);
* reports a stream that ends early as :class:`EOFError`.
"""

from __future__ import annotations

import bz2
import io
import lzma
import zlib
from typing import Any

MAGIC = {"gz": b"\x1f\x8b", "xz": b"\xfd7zXZ\x00", "bz2": b"BZh"}
RATIO_FREE_BYTES = 64 * 1024 * 1024  # output allowed whatever the ratio (small archives of tiny files)
_READ_SIZE = 64 * 1024

# What a damaged stream raises (bz2 raises OSError).
DATA_ERRORS: tuple[type[Exception], ...] = (zlib.error, lzma.LZMAError, OSError, EOFError)


class RatioExceeded(Exception):
    """The data expands beyond the allowed compression ratio (a decompression bomb)."""


def _decompressor(compression: str) -> Any:
    if compression == "gz":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip header and trailer
    if compression == "xz":
        return lzma.LZMADecompressor(lzma.FORMAT_XZ)
    if compression == "bz2":
        return bz2.BZ2Decompressor()
    raise ValueError(f"unknown compression {compression!r}")


class DecompressingReader(io.RawIOBase):
    """A read-only binary stream of the decompressed content of ``path``."""

    def __init__(self, path: str, compression: str, max_ratio: int | None = None,
                 free_bytes: int = RATIO_FREE_BYTES) -> None:
        super().__init__()
        self.compression = compression
        self.max_ratio = max_ratio
        self.free_bytes = free_bytes
        self.consumed = 0  # compressed bytes read from the file
        self.produced = 0  # decompressed bytes returned
        self.trailing = 0  # bytes after the last stream that are not a stream (ignored)
        self._file = open(path, "rb")  # closed by close()
        self._size = self._file.seek(0, io.SEEK_END)
        self._file.seek(0)
        self._dec: Any = _decompressor(compression)
        self._zlib = compression == "gz"
        self._pending = b""  # compressed input not yet given to the decompressor
        self._done = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> bool:
        chunk = self._file.read(_READ_SIZE)
        self.consumed += len(chunk)
        self._pending += chunk
        return bool(chunk)

    def _decompress(self, n: int) -> bytes:
        dec = self._dec
        if self._zlib:
            out = dec.decompress(self._pending, n)
            # At the end of the stream zlib keeps the rest in unused_data (and, since
            # max_length was given, a copy of it in unconsumed_tail).
            self._pending = b"" if dec.eof else dec.unconsumed_tail
            return out  # type: ignore[no-any-return]
        if dec.needs_input:
            data, self._pending = self._pending, b""
            return dec.decompress(data, n)  # type: ignore[no-any-return]
        return dec.decompress(b"", n)  # type: ignore[no-any-return]

    def _next_stream(self) -> None:
        """After the end of one stream: start the next one, or end (padding, trailing bytes)."""
        magic = MAGIC[self.compression]
        data = self._dec.unused_data + self._pending
        while True:
            data = data.lstrip(b"\0")  # padding to a block size (tape blocks, xz stream padding)
            if len(data) >= len(magic):
                break
            chunk = self._file.read(_READ_SIZE)
            self.consumed += len(chunk)
            if not chunk:
                break
            data += chunk
        self._pending = data
        if data.startswith(magic):
            self._dec = _decompressor(self.compression)
            return
        self.trailing = len(data) + (self._size - self._file.tell())
        self._done = True

    def readinto(self, buffer: Any) -> int:
        want = len(buffer)
        if want == 0:
            return 0
        while not self._done:
            if self._dec.eof:
                self._next_stream()
                continue
            out = self._decompress(want)
            if not out:
                if self._dec.eof:
                    continue
                if not self._fill():
                    raise EOFError(f"compressed {self.compression} data ends early (file truncated?)")
                continue
            self.produced += len(out)
            if (self.max_ratio is not None and self.produced > self.free_bytes
                    and self.produced > self.max_ratio * self.consumed):
                raise RatioExceeded(f"data expands more than {self.max_ratio} times (decompression bomb?)")
            buffer[: len(out)] = out
            return len(out)
        return 0

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()
