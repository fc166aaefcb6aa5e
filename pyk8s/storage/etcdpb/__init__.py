"""Python bindings for the part of etcd's v3 gRPC API that pyk8s uses.

kv.proto and rpc.proto are written for pyk8s with etcd's package, message and field names and
numbers (so they speak etcd's wire format); the *_pb2*.py modules beside them are generated
from them by `python -m pyk8s.storage.etcdpb.regenerate` and are committed, so that running
pyk8s needs grpcio and protobuf but not grpcio-tools.
"""
