"""Lazy package attributes (PEP 562): `import tfvae` and `tfvae --help` do not import TensorFlow.

A package lists `name -> module` and gets `__getattr__`/`__dir__` that import the
module on first use (after pinning the Keras backend, see `tfvae._backend`).
"""

import importlib


def lazy_attributes(package, names):
    """Returns `(__getattr__, __dir__)` for `package`, resolving `names` on first access.

    Args:
        package: str. The package's `__name__`.
        names: dict. Public name -> module path that defines it (a module path equal
            to `package + "." + name` means the submodule itself).
    """

    def __getattr__(name):
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        importlib.import_module("tfvae._backend")
        module = importlib.import_module(names[name])
        value = module if module.__name__ == f"{package}.{name}" else getattr(module, name)
        globals_ = importlib.import_module(package).__dict__
        globals_[name] = value
        return value

    def __dir__():
        return sorted(set(names) | set(importlib.import_module(package).__dict__))

    return __getattr__, __dir__
