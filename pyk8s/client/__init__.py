"""The client machinery every component after the API server is built on.

config.py          where the server is, who we are (kubeconfig, --master, in-cluster)
rest.py            Client: request() with rate limits, retries, typed Status errors
resources.py       ResourceClient: get/list/create/update/patch/delete/watch
transport.py       the network seam (aiohttp); fake.py is the in-process fake
reflector.py       list, then watch, resume, relist on 410
cache.py           the indexed local store
informer.py        cache + handlers + resync; factory.py shares one per resource
workqueue.py       de-duplicating, rate-limited queue and the reconcile worker loop
ratelimit.py       token bucket and retry backoff
leaderelection.py  one active replica, through a Lease
events.py          the event recorder, with aggregation
clock.py           injected time (RealClock, FakeClock)
"""
