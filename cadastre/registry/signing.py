"""The registry's Ed25519 signing key: from ``LANDGIS_SIGNING_KEY_FILE`` or kept in data/.

The private key is a PEM (PKCS#8) file; if none is configured, one is generated once into
``data_dir/signing_key.pem`` (mode 0600). The public key verifies certificates offline.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gis.settings import get_settings


def key_path() -> Path:
    s = get_settings()
    return s.signing_key_file or s.data_dir / "signing_key.pem"


def private_key() -> Ed25519PrivateKey:
    """The signing key (generated on first use when no key file is configured)."""
    path = key_path()
    if not path.exists():
        if get_settings().signing_key_file is not None:
            raise FileNotFoundError(f"LANDGIS_SIGNING_KEY_FILE {path} does not exist")
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.write_bytes(pem)
        path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def own_public_key() -> Ed25519PublicKey:
    """The public half of the configured key; never generates one (for verification)."""
    path = key_path()
    if not path.exists():
        raise FileNotFoundError(f"no signing key at {path}: give the registry's --public-key")
    return private_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    pub = key or private_key().public_key()
    return pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: first 16 hex digits of SHA-256 of its raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    loaded = serialization.load_pem_public_key(pem)
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return loaded


def sign(data: bytes) -> str:
    """Ed25519 signature of ``data`` as base64."""
    return base64.b64encode(private_key().sign(data)).decode()


def verify(key: Ed25519PublicKey, data: bytes, signature_b64: str) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
