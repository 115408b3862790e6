"""Cryptography for sealed bids and signed receipts (the ``cryptography`` package).

- Sealing: ECIES over X25519 — an ephemeral key agreement with the tender's opening public key,
  HKDF-SHA256, then AES-256-GCM with associated data binding the ciphertext to its tender,
  bidder and version. Only the opening private key can read a bid.
- Key wrapping: each tender's opening private key is stored encrypted with AES-256-GCM under a
  key-encryption key that lives outside the database (ZC_BID_KEK).
- Signing: the platform's Ed25519 key signs receipts over canonical JSON; anyone can verify
  with the published public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

RAW = serialization.Encoding.Raw
RAW_PUB = serialization.PublicFormat.Raw
RAW_PRIV = serialization.PrivateFormat.Raw
NO_ENC = serialization.NoEncryption()


class SealError(Exception):
    """A ciphertext could not be opened: wrong key, or the data was altered."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


def canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


def _configured_key(value: str, purpose: bytes) -> bytes:
    if value:
        key = unb64(value)
        if len(key) != 32:
            raise ValueError("ZC_BID_KEK and ZC_SIGNING_KEY must be base64 of exactly 32 bytes")
        return key
    return _hkdf(settings.SECRET_KEY.encode(), b"zhengcai dev " + purpose)  # dev only (prod requires the setting)


# --- opening keys ---------------------------------------------------------------------------


def new_opening_keypair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys for one tender."""
    private = X25519PrivateKey.generate()
    return private.private_bytes(RAW, RAW_PRIV, NO_ENC), private.public_key().public_bytes(RAW, RAW_PUB)


def wrap_private_key(private: bytes, *, aad: bytes) -> str:
    nonce = os.urandom(12)
    kek = _configured_key(settings.BID_KEK, b"bid kek")
    return b64(nonce + AESGCM(kek).encrypt(nonce, private, aad))


def unwrap_private_key(wrapped: str, *, aad: bytes) -> bytes:
    data = unb64(wrapped)
    kek = _configured_key(settings.BID_KEK, b"bid kek")
    try:
        return AESGCM(kek).decrypt(data[:12], data[12:], aad)
    except InvalidTag as exc:
        raise SealError("opening key cannot be unwrapped") from exc


# --- sealing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sealed:
    ephemeral_public: str
    nonce: str
    ciphertext: str


def seal(public: bytes, plaintext: bytes, *, aad: bytes) -> Sealed:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(RAW, RAW_PUB)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    key = _hkdf(shared, b"zhengcai bid v1" + ephemeral_public + public)
    nonce = os.urandom(12)
    return Sealed(b64(ephemeral_public), b64(nonce), b64(AESGCM(key).encrypt(nonce, plaintext, aad)))


class OpeningKey:
    """A tender's unwrapped opening private key, ready to open many bids.

    The X25519 key object and its public half are built once, not once per bid: building the key
    costs as much as the key agreement itself, so an opening of N bids pays it once instead of N times.
    """

    __slots__ = ("_private", "_public")

    def __init__(self, private: bytes) -> None:
        self._private = X25519PrivateKey.from_private_bytes(private)
        self._public = self._private.public_key().public_bytes(RAW, RAW_PUB)

    def open(self, sealed: Sealed, *, aad: bytes) -> bytes:
        """The plaintext, or ``SealError`` for a wrong key or any altered field (ciphertext, nonce,
        ephemeral key, associated data) — a malformed field is an altered one, never another error."""
        try:
            ephemeral_public = unb64(sealed.ephemeral_public)
            shared = self._private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
            key = _hkdf(shared, b"zhengcai bid v1" + ephemeral_public + self._public)
            return AESGCM(key).decrypt(unb64(sealed.nonce), unb64(sealed.ciphertext), aad)
        except (InvalidTag, ValueError) as exc:  # ValueError: bad base64, key or nonce length, low-order point
            raise SealError("bid cannot be opened with this key, or it was altered") from exc


def open_sealed(private: bytes, sealed: Sealed, *, aad: bytes) -> bytes:
    return OpeningKey(private).open(sealed, aad=aad)


# --- platform signatures --------------------------------------------------------------------


def _signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_configured_key(settings.SIGNING_KEY, b"signing"))


def platform_public_key() -> str:
    return b64(_signing_key().public_key().public_bytes(RAW, RAW_PUB))


def sign(payload: Any) -> str:
    return b64(_signing_key().sign(canonical(payload)))


def verify(payload: Any, signature: str, public_key: str | None = None) -> bool:
    key = Ed25519PublicKey.from_public_bytes(unb64(public_key or platform_public_key()))
    try:
        key.verify(unb64(signature), canonical(payload))
    except (InvalidSignature, ValueError):
        return False
    return True
