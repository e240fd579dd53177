# TF1 graph training API (graph/session helper): optimizers, global step, Saver.
from dataflowio.graph.optimizers import (  # noqa: F401,E402
    AdamOptimizer, GradientDescentOptimizer, MomentumOptimizer, Optimizer, create_global_step,
    get_global_step, get_or_create_global_step, global_step,
)
from dataflowio.graph.saver import Saver, checkpoint_exists, latest_checkpoint  # noqa: F401,E402
# tf.train.Example and friends (record_format): wire-compatible protobuf messages.
from record_format.example import (  # noqa: F401,E402
    BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List,
    SequenceExample,
)
