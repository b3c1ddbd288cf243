"""KDD Cup 99 (10%), classic split: AUROC and F1 at the 99th percentile of held-out normal scores.

Usage: python benchmarks/kddcup99_classic.py ../shared/data/kddcup99/kddcup.data_10_percent.gz [--epochs N]
Trains `TabularVAEDetector` (default settings, batch 256) on the raw columns.
"""

import argparse
import json
import time

from tfvae.data.kddcup99 import classic_split, load_kddcup99
from tfvae.detectors import TabularVAEDetector
from tfvae.metrics import detection_metrics


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--log-transform", default="auto")
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--score-name", default="negative_elbo")
    args = parser.parse_args()
    log = {"auto": "auto", "true": True, "false": False}[args.log_transform.lower()]
    train, test, y_test = classic_split(load_kddcup99(args.path))
    start = time.time()
    detector = TabularVAEDetector(epochs=args.epochs, batch_size=256, log_transform=log,
                                  latent_dim=args.latent_dim, score_name=args.score_name).fit(train)
    seconds = time.time() - start
    scores = detector.score_samples(test)
    result = detection_metrics(y_test, scores, detector.threshold_)
    result.update(epochs_run=len(detector.history_["loss"]), train_seconds=round(seconds, 1),
                  n_train=len(train), settings=vars(args))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
