"""TEST-ONLY guest shim, installed by the boot harness into its Debian image.

Debian bookworm's botocore (1.29) ignores AWS_ENDPOINT_URL; newer botocore (as on
Ubuntu 24.04, where the product runs) honours it natively. So that instance code
written for the newer behaviour reaches the harness's AWS stand-in, this makes every
botocore client default to os.environ["AWS_ENDPOINT_URL"] when it is set and the
caller passed no endpoint_url. Loaded from a .pth file; patches botocore lazily,
when botocore.session is first imported, so other Python programs pay nothing.
"""

import importlib.abc
import importlib.machinery
import os
import sys

TARGET = "botocore.session"


def _patch(module):
    session_class = module.Session
    original = session_class.create_client
    if getattr(original, "_arw_test_endpoint", False):
        return

    def create_client(self, *args, **kwargs):
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        # endpoint_url is create_client's 6th positional parameter (after service_name).
        if endpoint and kwargs.get("endpoint_url") is None and len(args) < 6:
            kwargs["endpoint_url"] = endpoint
        return original(self, *args, **kwargs)

    create_client._arw_test_endpoint = True
    session_class.create_client = create_client


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            _patch(module)

        loader.exec_module = exec_module
        return spec


if TARGET in sys.modules:
    _patch(sys.modules[TARGET])
else:
    sys.meta_path.insert(0, _Finder())
