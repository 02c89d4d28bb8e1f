"""Task contents sealed for a shared store: only whoever holds the task id (and the token of
its owner) can open them.

A store outside this process (Redis) keeps a task under a hash of its id, never the id
itself; status messages, results and errors are encrypted (AES-256-GCM) under a key derived
(HKDF-SHA256) from the task id and the owner's token. Neither is written anywhere: the
server running the task holds them in memory, and every poll brings them along. Whoever
reads the store, a backup of it or the network to it sees owners' one-way names, statuses
and times, and no output of any space, public or private.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gradio_mcp.errors import SealBroken as SealBroken  # its home is errors.py

NONCE_BYTES = 12
_SALT = b"gradio-mcp task contents v1"


def task_handle(task_id: str) -> str:
    """The name a shared store keeps a task under: its id cannot be read back from it."""
    return hashlib.sha256(b"gradio-mcp task\0" + task_id.encode()).hexdigest()


class Sealer:
    """Seals and opens the contents of one task (one key per task id and owner token)."""

    def __init__(self, task_id: str, secret: str) -> None:
        material = task_id.encode() + b"\0" + secret.encode()
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"seal").derive(material)
        self._aead = AESGCM(key)
        self._context = task_handle(task_id).encode()

    def seal(self, field: str, plain: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, self._context + field.encode())

    def open(self, field: str, sealed: bytes) -> bytes:
        if len(sealed) <= NONCE_BYTES:
            raise SealBroken(field)
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, self._context + field.encode())
        except InvalidTag:
            raise SealBroken(field) from None
