"""Datasets with a ready-made reader: `dataflowio.datasets.mnist` (like `keras.datasets.mnist`)."""

from dataflowio.datasets import mnist

__all__ = ["mnist"]
