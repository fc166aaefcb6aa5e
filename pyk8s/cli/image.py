"""`pyk8s image`: the node's image store by hand (import, pull, ls), as `ctr images` does it."""

from __future__ import annotations

import argparse
import os

DEFAULT_ROOT_DIR = "/var/lib/kubelet"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("image", help="manage the node's image store")
    parser.add_argument("--root-dir", default=DEFAULT_ROOT_DIR, help="the kubelet's root directory")
    actions = parser.add_subparsers(dest="image_command", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="load an OCI layout or a `docker save` tar")
    load.add_argument("file", help="a directory or tar file")
    load.add_argument(
        "--name", default=None, help="repository for images whose layout gives only a tag"
    )
    load.set_defaults(func=run_import)
    pull = actions.add_parser("pull", help="pull an image from its registry")
    pull.add_argument("image")
    pull.set_defaults(func=run_pull)
    listing = actions.add_parser("ls", help="list the images in the store")
    listing.add_argument("-q", "--quiet", action="store_true", help="print image IDs only")
    listing.set_defaults(func=run_ls)


def _store(args: argparse.Namespace):
    from pyk8s.kubelet.images.store import ImageStore

    return ImageStore(os.path.join(args.root_dir, "images"))


def run_import(args: argparse.Namespace) -> int:
    from pyk8s.kubelet.images.archive import import_archive
    from pyk8s.kubelet.images.store import ImageError

    try:
        images = import_archive(_store(args), args.file, args.name)
    except (ImageError, OSError, ValueError) as err:
        print(f"error: {err}")
        return 1
    for image in images:
        for tag in image.repo_tags:
            print(f"imported {tag} ({image.id})")
    return 0


async def run_pull(args: argparse.Namespace) -> int:
    from pyk8s.kubelet.images import registry
    from pyk8s.kubelet.images.store import ImageError

    try:
        image = await registry.pull(_store(args), args.image)
    except (ImageError, OSError) as err:
        print(f"error: {err}")
        return 1
    print(f"pulled {image.repo_tags[0] if image.repo_tags else args.image} ({image.id})")
    return 0


def _human_size(size: float) -> str:
    """Decimal units with four significant digits, as crictl prints sizes ("1.08MB")."""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000:
            return f"{size:.4g}{unit}"
        size /= 1000
    return f"{size:.4g}TB"


def run_ls(args: argparse.Namespace) -> int:
    images = _store(args).list()
    if args.quiet:
        for image in images:
            print(image.id)
        return 0
    # The columns of `crictl images`: repository, tag, short image ID, size.
    rows = [("IMAGE", "TAG", "IMAGE ID", "SIZE")]
    for image in images:
        for ref in image.repo_tags or ("<none>:<none>",):
            repository, _, tag = ref.rpartition(":")
            rows.append((repository, tag, image.id.split(":")[1][:13], _human_size(image.size)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print(
            "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0
