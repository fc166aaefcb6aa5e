"""The network namespaces every proxy e2e module runs its traffic in (one set per module)."""

import pytest

from tests.e2e.proxy.topology import Topology, require_tools


@pytest.fixture(scope="module")
def net():
    require_tools()
    topology = Topology(pods=3).start()
    try:
        yield topology
    finally:
        topology.close()
