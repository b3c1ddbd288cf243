"""Every public name of a tfvae package is the object it names, never a same-named module."""

import importlib
import types

import pytest

PACKAGES = [
    "tfvae",
    "tfvae.data",
    "tfvae.evaluation",
    "tfvae.export",
    "tfvae.fitting",
    "tfvae.preprocessing",
    "tfvae.scoring",
    "tfvae.thresholds",
]
#: Names that are modules on purpose (`tfvae.losses.gaussian_nll(...)`).
MODULES = {"tfvae.losses"}


@pytest.mark.parametrize("package", PACKAGES)
def test_public_names_are_not_shadowed_by_submodules(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        if f"{package}.{name}" not in MODULES:
            assert not isinstance(value, types.ModuleType), f"{package}.{name} is a module"
