"""Ed25519-signed checkpoints of (size, head hash): kept outside the database, they catch a
log that was truncated or rewritten."""

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DEFAULT_EVERY = 1000


def message(size: int, head_hash: str) -> bytes:
    """What a checkpoint signs."""
    return f"casetrail-checkpoint\n{size}\n{head_hash}".encode("ascii")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    """Signs a checkpoint every `every` events."""

    private_key: Ed25519PrivateKey
    every: int = DEFAULT_EVERY

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def sign(self, size: int, head_hash: str) -> str:
        return base64.b64encode(self.private_key.sign(message(size, head_hash))).decode("ascii")


def verify_signature(
    public_key: Ed25519PublicKey, size: int, head_hash: str, signature: str
) -> bool:
    try:
        public_key.verify(base64.b64decode(signature), message(size, head_hash))
    except (InvalidSignature, ValueError):
        return False
    return True


def generate_key(path: Path) -> Ed25519PublicKey:
    """Write a new private key (PKCS#8 PEM, readable by the owner only) and return its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key.public_key()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The public key in a PEM file, or the public half of a private key file."""
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
