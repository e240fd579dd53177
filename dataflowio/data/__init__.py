"""`dataflowio.data`: tf.data's Dataset algebra on NumPy (`Dataset`, `Options`, `AUTOTUNE`, ...).

>>> from dataflowio import data
>>> [int(x) for x in data.Dataset.range(3)], data.AUTOTUNE
([0, 1, 2], -1)
"""

from dataflowio.data import experimental  # noqa: F401
from dataflowio.data.dataset import (  # noqa: F401
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
)
from dataflowio.data.ops._nested import DatasetSpec  # noqa: F401
from dataflowio.data.options import Options  # noqa: F401
from dataflowio.data.readers import TextLineDataset, TFRecordDataset  # noqa: F401
from dataflowio.graph.iterator_ops import (  # noqa: F401  (TF1 graph iterators)
    Iterator,
    make_initializable_iterator,
    make_one_shot_iterator,
)
from dataflowio.tensor_shape import TensorSpec  # noqa: F401
