"""Limits shared by the generic store's write paths."""

# How often a write retries when another write got in between (a storage conflict). Every
# round some writer wins, so retrying makes progress; Kubernetes' GuaranteedUpdate retries
# without a bound. The bound here only stops a runaway loop, far above any real contention.
MAX_UPDATE_ATTEMPTS = 1000
