"""A minimal Mapbox Vector Tile reader for the tests: layers, feature ids and properties."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Layer:
    name: str = ""
    extent: int = 4096
    features: list[dict[str, Any]] = field(default_factory=list)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, Any]]:
    """(field number, value) pairs of one protobuf message."""
    out: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        out.append((number, value))
    return out


def _packed(buf: bytes) -> list[int]:
    vals, pos = [], 0
    while pos < len(buf):
        v, pos = _varint(buf, pos)
        vals.append(v)
    return vals


def _value(buf: bytes) -> Any:
    for number, v in _fields(buf):
        if number == 1:
            return v.decode()
        if number == 2:
            return struct.unpack("<f", v)[0]
        if number == 3:
            return struct.unpack("<d", v)[0]
        if number in (4, 5):
            return v
        if number == 6:
            return (v >> 1) ^ -(v & 1)
        if number == 7:
            return bool(v)
    return None


def decode(data: bytes) -> dict[str, Layer]:
    """The layers of an MVT by name; features as {"id", "type", "properties", "ncmd"}."""
    layers: dict[str, Layer] = {}
    for number, raw in _fields(data):
        if number != 3:
            continue
        layer = Layer()
        keys: list[str] = []
        values: list[Any] = []
        feats: list[bytes] = []
        for n, v in _fields(raw):
            if n == 1:
                layer.name = v.decode()
            elif n == 2:
                feats.append(v)
            elif n == 3:
                keys.append(v.decode())
            elif n == 4:
                values.append(_value(v))
            elif n == 5:
                layer.extent = v
        for f in feats:
            feature: dict[str, Any] = {"id": None, "type": 0, "properties": {}, "ncmd": 0}
            for n, v in _fields(f):
                if n == 1:
                    feature["id"] = v
                elif n == 2:
                    tags = _packed(v)
                    feature["properties"] = {
                        keys[tags[i]]: values[tags[i + 1]] for i in range(0, len(tags), 2)
                    }
                elif n == 3:
                    feature["type"] = v
                elif n == 4:
                    feature["ncmd"] = len(_packed(v))
            layer.features.append(feature)
        layers[layer.name] = layer
    return layers
