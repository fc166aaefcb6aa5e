"""The node's images: references, a content-addressed store, registry pulls and archive imports."""
