from tests.support.apiserver import apiserver, apiserver_process  # noqa: F401
