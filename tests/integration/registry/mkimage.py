#!/usr/bin/python3
"""Test images for the registry client tests, written straight into a
content store (<root>/content/blobs/sha256/<hex>, the layout image/content.h
documents).

  mkimage.py image --root R [--rootfs DIR] [--random-kb N] [--note TEXT]
                   [--arch A] [--format docker|oci]      -> prints the manifest digest
  mkimage.py index --root R [--format docker|oci] DIGEST=os/arch[/variant] ...
                                                        -> prints the index digest
Layers: the rootfs directory as a tar (if given), a small layer holding
/note.txt, and a layer of N KiB of random bytes (if given), all gzipped
reproducibly (mtime 0)."""
import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

MT = {
    "docker": {
        "manifest": "application/vnd.docker.distribution.manifest.v2+json",
        "index": "application/vnd.docker.distribution.manifest.list.v2+json",
        "config": "application/vnd.docker.container.image.v1+json",
        "layer": "application/vnd.docker.image.rootfs.diff.tar.gzip",
    },
    "oci": {
        "manifest": "application/vnd.oci.image.manifest.v1+json",
        "index": "application/vnd.oci.image.index.v1+json",
        "config": "application/vnd.oci.image.config.v1+json",
        "layer": "application/vnd.oci.image.layer.v1.tar+gzip",
    },
}


def put(root, data):
    d = hashlib.sha256(data).hexdigest()
    blobs = os.path.join(root, "content", "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    path = os.path.join(blobs, d)
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
    return "sha256:" + d


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(data)
    return buf.getvalue()


def tar_of(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for m in members:
            m(t)
    return buf.getvalue()


def file_member(name, data):
    def add(t):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mode = 0o644
        ti.mtime = 0
        t.addfile(ti, io.BytesIO(data))
    return add


def dir_member(root):
    def add(t):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                full = os.path.join(dirpath, name)
                arc = os.path.relpath(full, root)
                ti = t.gettarinfo(full, arcname=arc)
                ti.mtime = 0
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = ""
                if ti.isreg():
                    with open(full, "rb") as f:
                        t.addfile(ti, f)
                else:
                    t.addfile(ti)
    return add


def image(a):
    mt = MT[a.format]
    layers = []
    if a.rootfs:
        layers.append(tar_of([dir_member(a.rootfs)]))
    layers.append(tar_of([file_member("note.txt", (a.note + "\n").encode())]))
    if a.random_kb:
        layers.append(tar_of([file_member("random.bin", os.urandom(a.random_kb * 1024))]))
    descs, diff_ids = [], []
    for raw in layers:
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        blob = gz(raw)
        descs.append({"mediaType": mt["layer"], "digest": put(a.root, blob), "size": len(blob)})
    config = {
        "architecture": a.arch,
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"], "Labels": {"note": a.note}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "mkimage.py"} for _ in layers],
    }
    cfg = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt["manifest"],
        "config": {"mediaType": mt["config"], "digest": put(a.root, cfg), "size": len(cfg)},
        "layers": descs,
    }
    print(put(a.root, json.dumps(manifest, indent=3).encode()))


def index(a):
    mt = MT[a.format]
    entries = []
    for spec in a.entries:
        digest, plat = spec.split("=", 1)
        parts = plat.split("/")
        path = os.path.join(a.root, "content", "blobs", "sha256", digest.split(":", 1)[1])
        with open(path, "rb") as f:
            data = f.read()
        p = {"os": parts[0], "architecture": parts[1]}
        if len(parts) > 2:
            p["variant"] = parts[2]
        entries.append({"mediaType": json.loads(data).get("mediaType", mt["manifest"]),
                        "digest": digest, "size": len(data), "platform": p})
    doc = {"schemaVersion": 2, "mediaType": mt["index"], "manifests": entries}
    print(put(a.root, json.dumps(doc, indent=3).encode()))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("image")
    i.add_argument("--root", required=True)
    i.add_argument("--rootfs")
    i.add_argument("--random-kb", type=int, default=0)
    i.add_argument("--note", default="hello")
    i.add_argument("--arch", default="amd64")
    i.add_argument("--format", default="docker", choices=MT)
    x = sub.add_parser("index")
    x.add_argument("--root", required=True)
    x.add_argument("--format", default="oci", choices=MT)
    x.add_argument("entries", nargs="+")
    a = ap.parse_args()
    {"image": image, "index": index}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
