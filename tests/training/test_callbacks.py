import json

import pytest

from helpers import gaussian_blobs
from tfvae.models import VAE, DenseDecoder, DenseEncoder
from tfvae.training.callbacks import AtomicBackupAndRestore, KLWarmup


def _vae():
    vae = VAE(DenseEncoder(2, hidden_units=[8]), DenseDecoder(6, hidden_units=[8]), beta=0.0)
    vae.compile(optimizer="adam")
    vae.build((None, 6))
    return vae


def test_kl_warmup_is_linear_in_the_epoch():
    warmup = KLWarmup(beta=2.0, warmup_epochs=4)
    assert [warmup.value(e) for e in range(6)] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]
    with pytest.raises(ValueError, match="warmup_epochs"):
        KLWarmup(1.0, 0)


def test_backup_after_restore_records_the_restored_epoch(tmp_path):
    x = gaussian_blobs(64)
    backup = tmp_path / "backup"
    vae = _vae()
    vae.fit(x, epochs=2, batch_size=16, verbose=0,
            callbacks=[AtomicBackupAndRestore(str(backup), save_freq=2, delete_checkpoint=False)])
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 2
    resumed = _vae()
    history = resumed.fit(x, epochs=3, batch_size=16, verbose=0,
                          callbacks=[AtomicBackupAndRestore(str(backup), save_freq=2, delete_checkpoint=False)])
    assert len(history.history["loss"]) == 1  # only the third epoch ran
    metadata = json.loads((backup / "training_metadata.json").read_text())
    assert metadata["epoch"] == 3 and metadata["iterations"] == 12
    assert not list(backup.glob("*tmp*"))
