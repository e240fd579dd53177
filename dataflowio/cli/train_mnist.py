"""`dataflowio train-mnist`: trains an MNIST model through the whole stack and reports test accuracy."""

from __future__ import annotations

import argparse

EPILOG = """\
The input runs through the Dataset pipeline (from_tensor_slices for IDX files, TFRecordDataset +
parse_example for TFRecords made by `dataflowio convert`; shuffle, batch, prefetch — to the GPU with
prefetch_to_device on --device gpu) into the graph/session executor via the iterator's get_next().
Unset hyper-parameters take the model's defaults:
  softmax: sgd, lr 0.5, 10 epochs, batch 100    mlp (default): adam, lr 0.001, 10 epochs, batch 64
  cnn: adam, lr 0.001, 3 epochs, batch 64
The last line printed is `test accuracy: 0.NNNN`.

--save DIR writes a checkpoint (variables, optimizer state, the input pipeline's position) when
training ends or is interrupted with Ctrl-C; --restore DIR continues exactly where it stopped,
mid-epoch included.

examples:
  dataflowio train-mnist --data ../shared/data/mnist
  dataflowio train-mnist --data ../shared/data/mnist --model mlp --epochs 10
  dataflowio convert ../shared/data/mnist mnist_records && dataflowio train-mnist --data mnist_records
  dataflowio train-mnist --model cnn --device gpu --save ckpt      # Ctrl-C, then:
  dataflowio train-mnist --restore ckpt"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-mnist", help="train softmax / MLP / CNN on MNIST, print test accuracy",
                       description=__doc__, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", metavar="DIR",
                   help="MNIST IDX files (downloaded there if missing) or TFRecords from "
                        "`dataflowio convert` (default $DATAFLOWIO_DATA or ~/.cache/dataflowio/mnist)")
    p.add_argument("--model", choices=["cnn", "mlp", "softmax"], help="model (default mlp)")
    p.add_argument("--epochs", type=int, metavar="N", help="passes over the training data")
    p.add_argument("--batch-size", type=int, metavar="N", help="examples per step")
    p.add_argument("--lr", type=float, metavar="RATE", help="learning rate")
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], help="optimizer")
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                   help="where the model runs (gpu falls back to cpu when there is none)")
    p.add_argument("--seed", type=int, help="seed for weights and shuffling (default 0)")
    p.add_argument("--save", metavar="DIR", help="write a checkpoint to DIR at the end / on Ctrl-C")
    p.add_argument("--save-every", type=int, metavar="STEPS", help="also checkpoint every STEPS steps")
    p.add_argument("--restore", metavar="DIR",
                   help="resume from the checkpoint in DIR (and keep saving there unless --save)")
    p.add_argument("--limit", type=int, metavar="N", help="train on the first N examples only")
    p.add_argument("--steps", type=int, metavar="N", help="stop at global step N (before the epochs end)")
    p.add_argument("--no-download", action="store_true", help="never download missing IDX files")
    p.add_argument("--stats", action="store_true",
                   help="print the input pipeline's per-stage statistics (it.stats()) after training")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or epoch lines")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dataflowio.cli.main import UsageError
    from dataflowio.train.trainer import TrainConfig, train

    for flag in ("epochs", "batch_size", "limit", "steps", "save_every"):
        v = getattr(args, flag)
        if v is not None and v < (0 if flag in ("limit", "steps") else 1):
            raise UsageError(f"--{flag.replace('_', '-')} must be positive, got {v}.")
    if args.lr is not None and not args.lr > 0:
        raise UsageError(f"--lr must be > 0, got {args.lr}.")
    config = TrainConfig(data=args.data, model=args.model, epochs=args.epochs,
                         batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer,
                         device=args.device, seed=args.seed, limit=args.limit, steps=args.steps,
                         save=args.save, save_every=args.save_every, restore=args.restore,
                         download=not args.no_download, quiet=args.quiet,
                         stats=args.stats)
    result = train(config)
    print(f"test accuracy: {result.accuracy:.4f}", flush=True)
    return 0
