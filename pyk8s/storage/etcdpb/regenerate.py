"""Regenerate the *_pb2.py and *_pb2_grpc.py modules from kv.proto and rpc.proto.

Run from anywhere: `python -m pyk8s.storage.etcdpb.regenerate` (needs the dev dependency
grpcio-tools). The protos are compiled with the repository root as the include path, so the
generated modules import each other as `pyk8s.storage.etcdpb.*` and need no rewriting.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PROTOS = ["kv.proto", "rpc.proto"]


def main() -> int:
    try:
        from grpc_tools import protoc
    except ImportError:
        print("grpcio-tools is needed: pip install grpcio-tools", file=sys.stderr)
        return 1
    relative = [str((HERE / name).relative_to(ROOT)) for name in PROTOS]
    arguments = [
        "protoc",
        f"-I{ROOT}",
        f"--python_out={ROOT}",
        f"--grpc_python_out={ROOT}",
        *relative,
    ]
    return protoc.main(arguments)


if __name__ == "__main__":
    sys.exit(main())
