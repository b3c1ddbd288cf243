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
    vae.fit(
        x,
        epochs=2,
        batch_size=16,
        verbose=0,
        callbacks=[AtomicBackupAndRestore(str(backup), save_freq=2, delete_checkpoint=False)],
    )
    assert json.loads((backup / "current" / "training_metadata.json").read_text())["epoch"] == 2
    resumed = _vae()
    history = resumed.fit(
        x,
        epochs=3,
        batch_size=16,
        verbose=0,
        callbacks=[AtomicBackupAndRestore(str(backup), save_freq=2, delete_checkpoint=False)],
    )
    assert len(history.history["loss"]) == 1  # only the third epoch ran
    metadata = json.loads((backup / "current" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 3 and metadata["iterations"] == 12
    assert not list(backup.glob("*tmp*"))


def test_a_backup_interrupted_between_weights_and_metadata_keeps_the_previous_pair(
    tmp_path, monkeypatch
):
    from tfvae.training import callbacks

    x = gaussian_blobs(64)
    backup = tmp_path / "backup"
    vae = _vae()
    callback = AtomicBackupAndRestore(str(backup), save_freq=2, delete_checkpoint=False)
    vae.fit(x, epochs=1, batch_size=16, verbose=0, callbacks=[callback])
    weights = (backup / "current" / "latest.weights.h5").read_bytes()
    metadata = (backup / "current" / "training_metadata.json").read_text()

    def killed(path, data):  # the process dies after the new weights, before their metadata
        raise KeyboardInterrupt

    monkeypatch.setattr(callbacks, "write_json", killed)
    with pytest.raises(KeyboardInterrupt):
        vae.fit(x, epochs=2, batch_size=16, verbose=0, callbacks=[callback])
    assert (backup / "current" / "latest.weights.h5").read_bytes() == weights
    assert (backup / "current" / "training_metadata.json").read_text() == metadata
    assert json.loads(metadata)["iterations"] == 4
