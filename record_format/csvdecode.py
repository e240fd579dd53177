"""`decode_csv` on concrete values, with TensorFlow's dtypes, shapes and errors.

A vector of lines is parsed all at once: separator positions from the raw bytes, then one
fixed-width `[width, n]` byte matrix per numeric dtype that `parse_decimal_matrix` turns into
numbers with a handful of vector operations (no Python object per field). Anything unusual
(quotes, `na_value`, exponents, ragged lines) takes slower paths that give TensorFlow's errors.

>>> [v.tolist() for v in decode_csv([b"1,a,2.5", b"3,b,"], [[0], [""], [1.0]])]
[[1, 3], [b'a', b'b'], [2.5, 1.0]]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from record_format.decode import _leaf, builtins_bytes, np_dtype
from record_format.errors import InvalidArgumentError

_KINDS = {"f": "float", "i": "int", "O": "string"}


class _Col:
    def __init__(self, default: Any, index: int) -> None:
        self.index = index
        if hasattr(default, "as_numpy_dtype") or isinstance(default, (type, np.dtype)):
            self.dtype, self.default = np_dtype(default), None
            return
        arr = np.asarray(default)
        if arr.dtype.kind in "SUO" or isinstance(default, (builtins_bytes, str)):
            self.dtype = np.dtype(object)
            flat = arr.reshape(-1)
            self.default = None if flat.size == 0 else _to_bytes(flat[0])
            return
        if isinstance(default, (list, tuple)) and arr.size == 0:
            raise InvalidArgumentError(
                f"decode_csv: record_defaults[{index}] is an empty list: its dtype is unknown; "
                "pass a dtype (e.g. float32) for a required column."
            )
        if arr.dtype == np.float64 and not _has_numpy(default):
            arr = arr.astype(np.float32)  # Python floats are float32, as in TensorFlow
        elif arr.dtype == np.int64 and not _has_numpy(default):
            arr = arr.astype(np.int32)
        if arr.dtype.kind not in "fi" or arr.dtype not in (
            np.float32,
            np.float64,
            np.int32,
            np.int64,
        ):
            raise InvalidArgumentError(
                f"decode_csv: record_defaults[{index}] must be float32, float64, int32, int64 or "
                f"string, got {arr.dtype}."
            )
        if arr.size > 1:
            raise InvalidArgumentError(
                f"decode_csv: record_defaults[{index}] must have at most one value, got {arr.size}."
            )
        self.dtype = arr.dtype
        self.default = None if arr.size == 0 else arr.reshape(-1)[0]

    @property
    def pytype(self) -> type:
        return float if self.dtype.kind == "f" else int

    @property
    def type_name(self) -> str:
        names = {"float32": "float", "float64": "double"}  # TensorFlow's DataTypeString
        return "string" if self.dtype == object else names.get(self.dtype.name, self.dtype.name)


_COLS_CACHE: dict[tuple[int, ...], tuple[Any, list[_Col]]] = {}
_COLS_BY_TEXT: dict[str, list[_Col]] = {}


def _columns(record_defaults: Sequence[Any]) -> list[_Col]:
    """The checked columns of `record_defaults`, cached: map functions pass the same list."""
    key = (id(record_defaults),) + tuple(map(id, record_defaults))
    hit = _COLS_CACHE.get(key)
    if hit is not None and hit[0] is record_defaults:
        return hit[1]
    # A list built anew on every call (`record_defaults=[[0.0]] * 8` inside a map function) has a
    # new id each time: look it up by its text, which fixes every column's dtype and default.
    text = repr(record_defaults)
    cols = _COLS_BY_TEXT.get(text)
    if cols is None:
        cols = [_Col(d, i) for i, d in enumerate(record_defaults)]
        if len(_COLS_BY_TEXT) > 256:
            _COLS_BY_TEXT.clear()
        _COLS_BY_TEXT[text] = cols
    if len(_COLS_CACHE) > 256:
        _COLS_CACHE.clear()
    _COLS_CACHE[key] = (record_defaults, cols)  # holds the list so its id stays unique
    return cols


def _has_numpy(x: Any) -> bool:
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return isinstance(x, (np.ndarray, np.generic))


def _to_bytes(x: Any) -> builtins_bytes:
    return x.encode("utf-8") if isinstance(x, str) else builtins_bytes(x)


def split_line(
    line: builtins_bytes, delim: builtins_bytes, quote: bool, record: int
) -> list[builtins_bytes]:
    """Splits one CSV line into fields, honouring "quoted" fields with "" escapes."""
    if not quote or b'"' not in line:
        return line.split(delim)
    fields: list[builtins_bytes] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i : i + 1] == b'"':
            buf = bytearray()
            i += 1
            while True:
                j = line.find(b'"', i)
                if j < 0:
                    raise InvalidArgumentError(
                        f"Quoted field has to end with quote followed by delim or end in record "
                        f"{record}: {line!r:.80}"
                    )
                buf += line[i:j]
                if line[j + 1 : j + 2] == b'"':
                    buf += b'"'
                    i = j + 2
                    continue
                i = j + 1
                break
            fields.append(builtins_bytes(buf))
            if i == n:
                return fields
            if line[i : i + len(delim)] != delim:
                raise InvalidArgumentError(
                    f"Quoted field has to end with quote followed by delim or end in record "
                    f"{record}: {line!r:.80}"
                )
            i += len(delim)
        else:
            j = line.find(delim, i)
            if j < 0:
                fields.append(line[i:])
                return fields
            fields.append(line[i:j])
            i = j + len(delim)


def _convert(field: builtins_bytes, col: _Col, record: int, na: builtins_bytes) -> Any:
    if field == b"" or field == na:
        if col.default is None:
            raise InvalidArgumentError(
                f"Field {col.index} is required but missing in record {record}!"
            )
        return col.default
    if col.dtype == object:
        return field
    try:
        if b"_" in field:  # Python's int() / float() accept 1_000; TensorFlow does not
            raise ValueError
        if col.dtype.kind == "i":
            v = int(field)
            info = np.iinfo(col.dtype)
            if not info.min <= v <= info.max:
                raise ValueError
            return v
        return float(field)
    except ValueError:
        raise InvalidArgumentError(
            f"Field {col.index} in record {record} is not a valid {col.type_name}: "
            f"{field.decode('utf-8', 'replace')}"
        ) from None


def decode_csv(
    records: Any,
    record_defaults: Sequence[Any],
    field_delim: str = ",",
    use_quote_delim: bool = True,
    name: str | None = None,
    na_value: str = "",
    select_cols: Sequence[int] | None = None,
) -> list[Any]:
    """Returns one array per column (shaped like `records`), as `tf.io.decode_csv`.

    `record_defaults[i]` is the column's default (`0`, `1.5`, `"x"`, `[0.0]`, a NumPy scalar,
    ...), which also fixes its dtype (Python ints are int32, floats float32); a dtype instead of a
    value makes the column required.

    >>> [int(v) if not isinstance(v, bytes) else v for v in decode_csv('7,"a,b"', [[0], [""]])]
    [7, b'a,b']
    """
    del name
    delim = _to_bytes(field_delim)
    if len(delim) != 1:
        raise InvalidArgumentError(
            f"decode_csv: field_delim must be one character, got {field_delim!r}."
        )
    cols = _columns(record_defaults)
    if select_cols is not None:
        select = [int(c) for c in select_cols]
        if any(b <= a for a, b in zip(select, select[1:])) or (select and select[0] < 0):
            raise InvalidArgumentError(
                f"decode_csv: select_cols must be strictly increasing and "
                f">= 0, got {list(select_cols)}."
            )
        if len(select) != len(cols):
            raise InvalidArgumentError(
                f"decode_csv: {len(select)} select_cols but {len(cols)} record_defaults."
            )
    else:
        select = None
    if isinstance(records, (builtins_bytes, str, np.bytes_)):
        return _scalar_line(
            _to_bytes(records), cols, delim, use_quote_delim, _to_bytes(na_value), select
        )
    arr = np.asarray(records, dtype=object)
    shape = arr.shape
    lines = [x if type(x) is builtins_bytes else _to_bytes(x) for x in arr.reshape(-1)]
    na = _to_bytes(na_value)
    out = None
    if len(lines) > 1:
        out = _byte_columns(lines, cols, delim, use_quote_delim, na, select)
    if out is None and len(lines) > 1:
        out = _fast_columns(lines, cols, delim, use_quote_delim, na, select)
    if out is None:
        out = _slow_columns(lines, cols, delim, use_quote_delim, na, select)
    return [_leaf(c.reshape(shape)) for c in out]


def _scalar_line(
    line: builtins_bytes,
    cols: list[_Col],
    delim: builtins_bytes,
    quote: bool,
    na: builtins_bytes,
    select: list[int] | None,
) -> list[Any]:
    if select is None and not (quote and b'"' in line) and b"_" not in line:
        fields = line.split(delim)
        if len(fields) == len(cols) and all(fields) and (not na or na not in fields):
            try:  # the common case: every field present and well-formed
                return [
                    f if c.dtype == object else c.dtype.type(c.pytype(f))
                    for f, c in zip(fields, cols)
                ]
            except (ValueError, OverflowError):
                pass  # the careful path below names the bad field
    fields = split_line(line, delim, quote, 0)
    if select is None:
        if len(fields) != len(cols):
            raise InvalidArgumentError(
                f"Expect {len(cols)} fields but have {len(fields)} in record 0"
            )
    else:
        if len(fields) <= select[-1]:
            raise InvalidArgumentError(
                f"Expect {select[-1] + 1} fields but have {len(fields)} in record 0"
            )
        fields = [fields[c] for c in select]
    out: list[Any] = []
    for field, col in zip(fields, cols):
        v = _convert(field, col, 0, na)
        out.append(v if col.dtype == object else col.dtype.type(v))
    return out


def _slow_columns(
    lines: list[builtins_bytes],
    cols: list[_Col],
    delim: builtins_bytes,
    quote: bool,
    na: builtins_bytes,
    select: list[int] | None,
) -> list[np.ndarray]:
    values: list[list[Any]] = [[] for _ in cols]
    want = len(cols) if select is None else None
    for r, line in enumerate(lines):
        fields = split_line(line, delim, quote, r)
        if select is None:
            if len(fields) != want:
                raise InvalidArgumentError(
                    f"Expect {want} fields but have {len(fields)} in record {r}"
                )
            picked = fields
        else:
            if len(fields) <= select[-1]:
                raise InvalidArgumentError(
                    f"Expect {select[-1] + 1} fields but have {len(fields)} in record {r}"
                )
            picked = [fields[c] for c in select]
        for j, (field, col) in enumerate(zip(picked, cols)):
            values[j].append(_convert(field, col, r, na))
    out = []
    for col, vals in zip(cols, values):
        arr = np.empty(len(vals), dtype=col.dtype)
        arr[:] = vals
        out.append(arr)
    return out


def _fast_columns(
    lines: list[builtins_bytes],
    cols: list[_Col],
    delim: builtins_bytes,
    quote: bool,
    na: builtins_bytes,
    select: list[int] | None,
) -> list[np.ndarray] | None:
    """All lines at once through NumPy string parsing; None whenever the slow path must decide."""
    text = b"\n".join(lines)
    if (quote and b'"' in text) or b"_" in text or text.count(b"\n") != len(lines) - 1:
        return None
    fields = text.replace(b"\n", delim).split(delim)
    width = len(cols) if select is None else None
    if width is None:
        width = fields.__len__() // len(lines)
        if width * len(lines) != len(fields) or width <= select[-1]:  # type: ignore[index]
            return None
    elif len(fields) != width * len(lines):
        return None
    table = np.array(fields, dtype=np.bytes_).reshape(len(lines), width)
    picked = [j if select is None else select[j] for j in range(len(cols))]
    out: list[np.ndarray | None] = [None] * len(cols)
    # Parse all columns of one numeric dtype in one vectorized pass.
    for dtype in {c.dtype for c in cols if c.dtype != object}:
        js = [j for j, c in enumerate(cols) if c.dtype == dtype]
        block = table[:, [picked[j] for j in js]]
        missing = block == b""
        if na:
            missing |= block == na
        has_missing = bool(missing.any())
        if has_missing:
            if any(cols[j].default is None for k, j in enumerate(js) if missing[:, k].any()):
                return None
            block = np.where(missing, b"0", block)
        flat = block.reshape(-1)
        vals = parse_decimal(flat, dtype)
        if vals is None:
            try:
                vals = flat.astype(dtype) if dtype.kind == "f" else _parse_ints(flat, dtype)
            except (ValueError, OverflowError):
                return None
        vals = vals.reshape(block.shape)
        if has_missing:
            defaults = np.array([cols[j].default for j in js], dtype=dtype)
            vals = np.where(missing, defaults, vals)
        for k, j in enumerate(js):
            out[j] = np.ascontiguousarray(vals[:, k])
    for j, col in enumerate(cols):
        if col.dtype != object:
            continue
        column = table[:, picked[j]]
        missing = column == b""
        if na:
            missing |= column == na
        arr = column.astype(object)
        if missing.any():
            if col.default is None:
                return None
            arr[missing] = col.default
        out[j] = arr
    return out  # type: ignore[return-value]


def _byte_columns(
    lines: list[builtins_bytes],
    cols: list[_Col],
    delim: builtins_bytes,
    quote: bool,
    na: builtins_bytes,
    select: list[int] | None,
) -> list[np.ndarray] | None:
    """All lines at once on the raw bytes: separator positions, then fixed-width field matrices.

    No Python object per numeric field. None whenever a slower path must decide (quotes,
    `na_value`, ragged lines, anything not a plain decimal).
    """
    n = len(lines)
    text = b"\n".join(lines)
    if (quote and b'"' in text) or (na and na in text):
        return None
    buf = np.frombuffer(text, dtype=np.uint8)
    is_sep = buf == delim[0]
    newline = buf == 10
    seps = np.flatnonzero(is_sep | newline)
    nfields = len(seps) + 1
    if nfields % n:
        return None
    width = nfields // n
    if int(newline.sum()) != n - 1 or (width > 1 and not newline[seps[width - 1 :: width]].all()):
        return None
    if (width != len(cols)) if select is None else (width <= select[-1]):
        return None
    flat_starts = np.empty(nfields, dtype=np.int64)
    flat_starts[0] = 0
    flat_starts[1:] = seps + 1
    flat_ends = np.empty(nfields, dtype=np.int64)
    flat_ends[:-1] = seps
    flat_ends[-1] = len(buf)
    starts, ends = flat_starts.reshape(n, width), flat_ends.reshape(n, width)
    picked = [j if select is None else select[j] for j in range(len(cols))]
    out: list[np.ndarray | None] = [None] * len(cols)
    for dtype in {c.dtype for c in cols if c.dtype != object}:
        js = [j for j, c in enumerate(cols) if c.dtype == dtype]
        st = starts[:, [picked[j] for j in js]].reshape(-1)
        lens = ends[:, [picked[j] for j in js]].reshape(-1) - st
        wmax = max(int(lens.max()), 1)
        if wmax > 24:
            return None
        pos = np.arange(wmax)[:, None]
        mat = buf[np.minimum(st[None, :] + pos, len(buf) - 1)]
        mat[pos >= lens[None, :]] = 0
        missing = lens == 0
        if missing.any():
            defaults = np.tile(np.array([cols[j].default is not None for j in js]), n)
            if not defaults[missing].all():
                return None
            mat[0, missing] = 48
        vals = parse_decimal_matrix(mat, dtype)
        if vals is None:  # exponents, inf / nan...: NumPy's own string parsing
            fields = np.array(
                [text[a:b] for a, b in zip(st.tolist(), (st + lens).tolist())], dtype=np.bytes_
            )
            fields[missing] = b"0"
            try:
                vals = fields.astype(dtype) if dtype.kind == "f" else _parse_ints(fields, dtype)
            except (ValueError, OverflowError):
                return None
        vals = vals.reshape(n, len(js))
        if missing.any():
            fill = np.array(
                [cols[j].default if cols[j].default is not None else 0 for j in js], dtype=dtype
            )
            vals = np.where(missing.reshape(n, len(js)), fill, vals)
        for k, j in enumerate(js):
            out[j] = np.ascontiguousarray(vals[:, k])
    for j, col in enumerate(cols):
        if col.dtype != object:
            continue
        arr = np.empty(n, dtype=object)
        a, b = starts[:, picked[j]].tolist(), ends[:, picked[j]].tolist()
        arr[:] = [text[x:y] for x, y in zip(a, b)]
        if col.default is not None:
            empty = np.asarray(b) == np.asarray(a)
            arr[empty] = col.default
        elif (ends[:, picked[j]] == starts[:, picked[j]]).any():
            return None
        out[j] = arr
    return out  # type: ignore[return-value]


def _parse_ints(column: np.ndarray, dtype: np.dtype) -> np.ndarray:
    wide = column.astype(np.int64)
    info = np.iinfo(dtype)
    if wide.size and (wide.min() < info.min or wide.max() > info.max):
        raise OverflowError
    return wide.astype(dtype)


_P10 = 10.0 ** np.arange(40)


def parse_decimal(column: np.ndarray, dtype: np.dtype) -> np.ndarray | None:
    """Parses an `S` array of plain decimals ("-12", "0.25", ".5") in vectorized NumPy.

    Returns None for anything else (exponents, inf / nan, blanks, too many digits), which the
    caller then parses the general way. Floats are exact up to 15 significant digits (17 for
    float32, whose rounding that error cannot reach in practice).

    >>> parse_decimal(np.array([b"-1.5", b"20", b".25"]), np.dtype("float32")).tolist()
    [-1.5, 20.0, 0.25]
    """
    n, width = len(column), column.dtype.itemsize
    if n == 0 or width == 0 or width > 24:
        return None
    # One row per character position, so each step below is a contiguous vector op.
    return parse_decimal_matrix(
        np.ascontiguousarray(column).view(np.uint8).reshape(n, width).T.copy(), dtype
    )


def parse_decimal_matrix(t: np.ndarray, dtype: np.dtype) -> np.ndarray | None:
    """`parse_decimal` on a `[width, n]` uint8 matrix: field i is column i, NUL-padded."""
    width, n = t.shape
    first = t[0]
    neg = first == 45
    signed = neg | (first == 43)
    if signed.any():
        t[0] = np.where(signed, 48, first)  # a leading zero digit changes no value
    d = t - np.uint8(48)  # wraps for bytes below "0"
    digit = d < 10
    dot = t == 46
    pad = t == 0
    if not (digit | dot | pad).all():
        return None
    if width > 1 and (pad[:-1] & ~pad[1:]).any():  # NUL bytes inside a field
        return None
    ndig = digit.sum(axis=0) - signed
    limit = 18 if dtype.kind == "i" else (17 if dtype == np.float32 else 15)
    if (ndig <= 0).any() or (ndig > limit).any() or (dot.sum(axis=0) > 1).any():
        return None
    if dtype.kind == "i" and dot.any():
        return None
    mant = np.zeros(n, dtype=np.int64)
    for j in range(width):
        mant = np.where(digit[j], mant * 10 + d[j], mant)
    if dtype.kind == "i":
        vals = np.where(neg, -mant, mant)
        info = np.iinfo(dtype)
        if vals.min() < info.min or vals.max() > info.max:
            return None
        return vals.astype(dtype)
    # Digits after the dot run to the end of the field (the padding is trailing).
    length = width - pad.sum(axis=0)
    frac = np.where(dot.any(axis=0), length - 1 - dot.argmax(axis=0), 0)
    out = mant.astype(np.float64) / _P10[frac]
    return np.where(neg, -out, out).astype(dtype)
