"""A minimal columnar table: numpy columns, categorical columns as codes plus labels.

The engine's tables are built and analysed as numpy arrays and written with pyarrow; pandas
is only imported when someone asks for a DataFrame (:meth:`Frame.to_pandas`). Arrow arrays are
built from raw buffers because ``pyarrow.array`` imports pandas on first use (a third of a
second), which would be most of a short run's time.
"""

from __future__ import annotations

import numpy as np


class Frame:
    """Equal-length columns; ``categories[name]`` holds the labels of a coded column."""

    def __init__(self, columns: dict[str, np.ndarray], categories: dict[str, list[str]] | None = None):
        self.columns = columns
        self.categories = categories or {}
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of unequal length: {lengths}")

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def code(self, name: str, label: str) -> int:
        """The code of ``label`` in categorical column ``name`` (-1 if absent)."""
        labels = self.categories[name]
        return labels.index(label) if label in labels else -1

    def labels(self, name: str) -> np.ndarray:
        """A categorical column decoded to its labels."""
        return np.asarray(self.categories[name], dtype=object)[self.columns[name]]

    def select(self, mask: np.ndarray) -> "Frame":
        """The rows where ``mask`` is true."""
        return Frame({k: v[mask] for k, v in self.columns.items()}, self.categories)

    def to_arrow(self, constant: dict[str, str] | None = None):
        """A pyarrow table; categorical columns become dictionary arrays."""
        import pyarrow as pa

        arrays, names = [], []
        for key, value in (constant or {}).items():
            arrays.append(_dictionary(np.zeros(len(self), np.int32), [value]))
            names.append(key)
        for name, column in self.columns.items():
            if name in self.categories:
                arrays.append(_dictionary(column, self.categories[name]))
            else:
                arrays.append(_plain(column))
            names.append(name)
        return pa.Table.from_arrays(arrays, names=names)

    def to_pandas(self):
        """A pandas DataFrame (categorical columns as ``category``)."""
        return self.to_arrow().to_pandas()

    @staticmethod
    def concat(frames: list["Frame"]) -> "Frame":
        """Rows of several frames with the same columns and categories."""
        frames = [f for f in frames if f.columns]
        if not frames:
            return Frame({})
        names = list(frames[0].columns)
        return Frame({n: np.concatenate([f.columns[n] for f in frames]) for n in names}, frames[0].categories)


def _plain(column: np.ndarray):
    import pyarrow as pa

    column = np.ascontiguousarray(column)
    if column.dtype == bool:
        bits = np.packbits(column, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(column), [None, pa.py_buffer(bits)])
    return pa.Array.from_buffers(pa.from_numpy_dtype(column.dtype), len(column), [None, pa.py_buffer(column)])


def _strings(labels: list[str]):
    import pyarrow as pa

    encoded = [label.encode("utf-8") for label in labels]
    offsets = np.concatenate(([0], np.cumsum([len(b) for b in encoded]))).astype(np.int32)
    return pa.Array.from_buffers(pa.string(), len(labels), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def _dictionary(codes: np.ndarray, labels: list[str]):
    import pyarrow as pa

    codes = np.ascontiguousarray(codes, dtype=np.int32)
    kind = pa.dictionary(pa.int32(), pa.string())
    return pa.DictionaryArray.from_buffers(kind, len(codes), [None, pa.py_buffer(codes)], _strings(labels))
