#!/usr/bin/env python3
"""Writes safetensors fixtures for the Java tests, independently of the Java code: the format is
written from its specification with struct + json + numpy (the `safetensors` package is not
needed). Usage: make_safetensors.py OUT_DIR [big]

OUT_DIR/values.safetensors       one tensor per dtype (BF16, F16, F32, F64, I8, I16, I32, I64, U8, BOOL)
OUT_DIR/expected/NAME.f64|.i64   each tensor's values as numpy reads them, widened to float64 / int64
OUT_DIR/malformed/*.safetensors  one file per validation rule; malformed.json lists file, kind, tensor
OUT_DIR/sharded/                 model.safetensors.index.json and two shards
OUT_DIR/big.safetensors          (with "big") a sparse file past 2 GiB: tensors beyond offset 2^31
"""
import json
import os
import struct
import sys

import numpy as np


def header_bytes(entries, metadata=None, pad_to=8):
    doc = {}
    if metadata is not None:
        doc["__metadata__"] = metadata
    doc.update(entries)
    raw = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % pad_to)
    return struct.pack("<Q", len(raw)) + raw


def layout(tensors):
    """tensors: list of (name, dtype, shape, bytes) -> (entries, data) laid out back to back."""
    entries, data, off = {}, bytearray(), 0
    for name, dtype, shape, raw in tensors:
        entries[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        data += raw
        off += len(raw)
    return entries, bytes(data)


def write_file(path, tensors, metadata=None):
    entries, data = layout(tensors)
    with open(path, "wb") as f:
        f.write(header_bytes(entries, metadata))
        f.write(data)


def to_bf16_bits(f32):
    """float32 -> bfloat16 bits, rounding to nearest even (NaN kept quiet)."""
    bits = f32.astype("<f4").view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2")


def values(out):
    rng = np.random.default_rng(12)
    exp_dir = os.path.join(out, "expected")
    os.makedirs(exp_dir, exist_ok=True)
    tensors, expected = [], {}

    f32 = (rng.standard_normal((3, 5, 7)) * 10).astype("<f4")
    f32.flat[0], f32.flat[1], f32.flat[2] = np.inf, -0.0, np.float32(1e-40)  # specials: inf, -0, subnormal
    tensors.append(("f32", "F32", f32.shape, f32.tobytes()))
    expected["f32"] = f32.astype(np.float64)

    f64 = rng.standard_normal((4, 3)).astype("<f8")
    tensors.append(("f64", "F64", f64.shape, f64.tobytes()))
    expected["f64"] = f64.astype(np.float32).astype(np.float64)  # getFloat rounds F64 to float

    f16 = (rng.standard_normal((64, 9)) * 100).astype("<f2")
    f16.flat[0], f16.flat[1], f16.flat[2], f16.flat[3] = np.inf, -np.inf, np.float16(6e-8), np.float16(-65504)
    tensors.append(("layers.0.f16", "F16", f16.shape, f16.tobytes()))
    expected["layers.0.f16"] = f16.astype(np.float64)

    every = np.arange(65536, dtype="<u2").view("<f2")  # every F16 bit pattern: NaNs, infinities, subnormals
    tensors.append(("f16_all", "F16", every.shape, every.tobytes()))
    expected["f16_all"] = every.astype(np.float64)

    src = (rng.standard_normal((33, 31)) * 3).astype("<f4")
    src.flat[0] = -np.inf
    bf = to_bf16_bits(src)
    tensors.append(("layers.1.bf16", "BF16", bf.shape, bf.tobytes()))
    expected["layers.1.bf16"] = (bf.astype(np.uint32) << 16).view("<f4").astype(np.float64)

    for name, dtype, np_type in (("i8", "I8", "<i1"), ("i16", "I16", "<i2"), ("i32", "I32", "<i4"),
                                 ("i64", "I64", "<i8"), ("u8", "U8", "<u1")):
        info = np.iinfo(np_type)
        a = rng.integers(info.min, info.max, size=(5, 13), endpoint=True, dtype=np_type)
        a.flat[0], a.flat[1] = info.min, info.max
        tensors.append((name, dtype, a.shape, a.tobytes()))
        expected[name] = a.astype(np.int64)

    b = rng.integers(0, 2, size=(7, 11)).astype(np.bool_)
    tensors.append(("mask", "BOOL", b.shape, b.tobytes()))
    expected["mask"] = b.astype(np.int64)

    scalar = np.array(2.5, dtype="<f4")
    tensors.append(("scalar", "F32", (), scalar.tobytes()))
    expected["scalar"] = scalar.reshape(1).astype(np.float64)
    tensors.append(("empty", "F32", (0, 4), b""))
    expected["empty"] = np.zeros(0, dtype=np.float64)

    write_file(os.path.join(out, "values.safetensors"), tensors, {"format": "pt", "writer": "numpy"})
    for name, arr in expected.items():
        ext = ".f64" if arr.dtype == np.float64 else ".i64"
        arr.astype("<" + arr.dtype.str[1:]).tofile(os.path.join(exp_dir, name + ext))


def malformed(out):
    d = os.path.join(out, "malformed")
    os.makedirs(d, exist_ok=True)
    cases = []
    ok = np.arange(8, dtype="<f4").tobytes()  # 32 bytes

    def t(dtype="F32", shape=(8,), offsets=(0, 32)):
        return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}

    def case(file, kind, tensor, content):
        with open(os.path.join(d, file), "wb") as f:
            f.write(content)
        cases.append({"file": file, "kind": kind, "tensor": tensor})

    case("short.safetensors", "HEADER_LENGTH", None, b"\x01\x02\x03")
    case("header_too_long.safetensors", "HEADER_LENGTH", None, struct.pack("<Q", 4096) + b"{}")
    case("header_huge.safetensors", "HEADER_LENGTH", None, struct.pack("<Q", 1 << 62) + b"{}" + b" " * 6)
    case("header_one_byte.safetensors", "HEADER_LENGTH", None, struct.pack("<Q", 1) + b"{")
    case("not_json.safetensors", "JSON", None, header_bytes({})[:8] + b"{\"a\": }  " [:len(header_bytes({})) - 8])
    case("trailing_garbage.safetensors", "JSON", None, struct.pack("<Q", 8) + b"{} {}   ")
    raw = b'{"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]},"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}'
    raw += b" " * (-len(raw) % 8)
    case("duplicate.safetensors", "JSON", None, struct.pack("<Q", len(raw)) + raw + ok)
    case("metadata_number.safetensors", "METADATA", None, header_bytes({"w": t()}, {"n": 3}) + ok)
    case("dtype_unknown.safetensors", "DTYPE", "w", header_bytes({"w": t(dtype="F128")}) + ok)
    case("dtype_lowercase.safetensors", "DTYPE", "w", header_bytes({"w": t(dtype="f32")}) + ok)
    case("shape_negative.safetensors", "SHAPE", "w", header_bytes({"w": t(shape=(-8,))}) + ok)
    case("shape_float.safetensors", "SHAPE", "w", header_bytes({"w": t(shape=(8.0,))}) + ok)
    case("shape_overflow.safetensors", "SHAPE", "w",
         header_bytes({"w": t(shape=(1 << 40, 1 << 40))}) + ok)
    case("offsets_reversed.safetensors", "OFFSETS", "w", header_bytes({"w": t(offsets=(32, 0))}) + ok)
    case("offsets_three.safetensors", "OFFSETS", "w", header_bytes({"w": t(offsets=(0, 16, 32))}) + ok)
    case("offsets_beyond.safetensors", "OUT_OF_BOUNDS", "w",
         header_bytes({"w": t(shape=(16,), offsets=(0, 64))}) + ok)
    case("overlap.safetensors", "OVERLAP", "b",
         header_bytes({"a": t(shape=(5,), offsets=(0, 20)), "b": t(shape=(4,), offsets=(16, 32))}) + ok)
    case("gap.safetensors", "GAP", "b",
         header_bytes({"a": t(shape=(2,), offsets=(0, 8)), "b": t(shape=(4,), offsets=(16, 32))}) + ok)
    case("trailing_bytes.safetensors", "GAP", "w", header_bytes({"w": t(shape=(4,), offsets=(0, 16))}) + ok)
    case("size_mismatch.safetensors", "SIZE_MISMATCH", "w", header_bytes({"w": t(shape=(7,))}) + ok)
    case("size_mismatch_dtype.safetensors", "SIZE_MISMATCH", "w", header_bytes({"w": t(dtype="F64")}) + ok)
    with open(os.path.join(out, "malformed.json"), "w") as f:
        json.dump(cases, f, indent=1)


def sharded(out):
    d = os.path.join(out, "sharded")
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(7)
    weight_map = {}
    for shard_no, names in ((1, ("embed.weight", "layers.0.w")), (2, ("layers.1.w", "lm_head.weight"))):
        shard = "model-%05d-of-00002.safetensors" % shard_no
        tensors = []
        for n in names:
            a = rng.standard_normal((17, 19)).astype("<f4")
            tensors.append((n, "F32", a.shape, a.tobytes()))
            a.astype("<f8").tofile(os.path.join(d, n + ".f64"))
            weight_map[n] = shard
        write_file(os.path.join(d, shard), tensors, {"format": "pt"})
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 4 * 17 * 19 * 4}, "weight_map": weight_map}, f, indent=2)


def big(out):
    """head F32[4] at 0, zeros U8[2^31 + 4096] (never written: a hole), tail F32[1024] past 2^31."""
    head = np.array([1.5, -2.0, 3.25, 4.0], dtype="<f4")
    zeros_len = (1 << 31) + 4096
    tail = np.arange(1024, dtype="<f4") * 0.5 - 7
    entries = {
        "head": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "zeros": {"dtype": "U8", "shape": [zeros_len], "data_offsets": [16, 16 + zeros_len]},
        "tail": {"dtype": "F32", "shape": [1024], "data_offsets": [16 + zeros_len, 16 + zeros_len + 4096]},
    }
    h = header_bytes(entries, {"sparse": "yes"})
    path = os.path.join(out, "big.safetensors")
    with open(path, "wb") as f:
        f.write(h)
        f.write(head.tobytes())
        f.seek(len(h) + 16 + zeros_len)
        f.write(tail.tobytes())
    tail.astype("<f8").tofile(os.path.join(out, "big.tail.f64"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if len(sys.argv) > 2 and sys.argv[2] == "big":
        big(out)
        return
    values(out)
    malformed(out)
    sharded(out)


if __name__ == "__main__":
    main()
