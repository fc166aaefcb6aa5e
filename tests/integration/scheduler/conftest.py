from tests.support.apiserver import apiserver  # noqa: F401  (the in-process API server fixture)
