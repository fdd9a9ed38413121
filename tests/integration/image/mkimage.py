#!/usr/bin/python3
"""Test images for the image suites, built from scratch with tarfile.

  mkimage.py layer OUT KIND            a standard layer tar (base, mid, top, ...)
  mkimage.py hostile OUT NAME          a hostile layer tar
  mkimage.py layout DIR [options]      an OCI layout from layer tars
  mkimage.py big OUT MB                a layer of MB megabytes of random data
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time

MTIME = 1700000000


def info(name, kind=tarfile.REGTYPE, mode=0o644, uid=0, gid=0, size=0, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.size = size
    ti.mtime = kw.pop("mtime", MTIME)
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti


class Layer:
    def __init__(self, path):
        self.tar = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)

    def dir(self, name, mode=0o755, uid=0, gid=0, **kw):
        self.tar.addfile(info(name, tarfile.DIRTYPE, mode, uid, gid, **kw))

    def file(self, name, data=b"", mode=0o644, uid=0, gid=0, xattrs=None, **kw):
        if isinstance(data, str):
            data = data.encode()
        ti = info(name, tarfile.REGTYPE, mode, uid, gid, len(data), **kw)
        if xattrs:
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
        self.tar.addfile(ti, io.BytesIO(data))

    def header_only(self, name, size, mode=0o644):
        """A regular-file header claiming size bytes, with no data after it."""
        self.tar.fileobj.write(info(name, size=size, mode=mode).tobuf(tarfile.PAX_FORMAT))

    def symlink(self, name, target, uid=0, gid=0):
        self.tar.addfile(info(name, tarfile.SYMTYPE, 0o777, uid, gid, linkname=target))

    def hardlink(self, name, target):
        self.tar.addfile(info(name, tarfile.LNKTYPE, 0o644, linkname=target))

    def chardev(self, name, major, minor, mode=0o666):
        self.tar.addfile(info(name, tarfile.CHRTYPE, mode, devmajor=major, devminor=minor))

    def fifo(self, name, mode=0o600):
        self.tar.addfile(info(name, tarfile.FIFOTYPE, mode))

    def whiteout(self, name):
        d, b = os.path.split(name)
        self.file(os.path.join(d, ".wh." + b))

    def opaque(self, dirname):
        self.file(os.path.join(dirname, ".wh..wh..opq"))

    def close(self):
        self.tar.close()


def layer_base(l):
    busybox = open("/bin/busybox", "rb").read()
    l.dir("./")
    for d in ("bin", "etc", "usr", "usr/bin", "var", "var/log", "home", "dev", "root"):
        l.dir(d)
    l.dir("tmp", mode=0o1777)
    l.dir("home/app", mode=0o750, uid=1000, gid=1000)
    l.file("bin/busybox", busybox, mode=0o755)
    for applet in ("sh", "ls", "cat", "echo", "id", "true", "sleep"):
        l.symlink("bin/" + applet, "busybox")
    l.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"
           "nobody:x:65534:65534:nobody:/:/bin/false\n")
    l.file("etc/group", "root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n")
    l.file("etc/hostname", "base\n")
    l.file("etc/secret", "s3cret\n", mode=0o600)
    l.file("home/app/notes.txt", "owned by app\n", mode=0o640, uid=1000, gid=1000)
    l.file("usr/bin/suid", "#!/bin/sh\n", mode=0o4755)
    l.file("usr/bin/tagged", "xattr\n", xattrs={"user.test": "hello", "user.other": "x"})
    l.file("var/log/a.log", "a\n" * 100)
    l.hardlink("var/log/a.hard", "var/log/a.log")
    l.symlink("var/log/abs", "/etc/hostname")
    l.symlink("var/log/dangling", "../../nowhere")
    l.dir("etc/opaque")
    l.file("etc/opaque/old1", "old1")
    l.file("etc/opaque/old2", "old2")
    l.dir("etc/keepdir")
    l.file("etc/keepdir/a", "a")
    l.file("etc/keepdir/b", "b")
    l.dir("will-be-file")
    l.file("will-be-file/x", "x")
    l.file("will-be-dir", "file")
    l.dir("whole-dir-gone/sub", mode=0o700)
    l.file("whole-dir-gone/sub/f", "f")
    l.file("n" * 200, "long name")
    l.fifo("var/fifo")
    l.chardev("dev/null", 1, 3)
    l.dir("empty-dir")


def layer_mid(l):
    l.whiteout("etc/secret")
    l.whiteout("etc/keepdir/a")
    l.file("etc/keepdir/c", "c")
    l.opaque("etc/opaque")
    l.file("etc/opaque/new", "new")
    l.file("etc/hostname", "mid\n", mode=0o600)
    l.file("will-be-file", "now a file")
    l.dir("will-be-dir", mode=0o711)
    l.file("will-be-dir/y", "y")
    l.whiteout("whole-dir-gone")
    l.symlink("bin/vi", "busybox")
    l.file("home/app/more.txt", "more\n", uid=1000, gid=50)


def layer_top(l):
    l.whiteout("var/log/a.hard")
    l.file("var/log/b.log", "b\n")
    l.hardlink("var/log/b.hard", "var/log/b.log")
    l.file("usr/bin/tagged", "xattr2\n", xattrs={"user.test": "changed"})
    l.dir("etc/opaque")
    l.opaque("etc/opaque")
    l.file("etc/opaque/newest", "newest")
    l.file("whole-dir-gone", "back as a file")


def layer_single(l):
    l.file("hello.txt", "hello\n")


def layer_arm(l):
    l.file("arch", "arm64\n")


def layer_amd(l):
    l.file("arch", "amd64\n")


LAYERS = {"base": layer_base, "mid": layer_mid, "top": layer_top, "single": layer_single,
          "arm": layer_arm, "amd": layer_amd}


def hostile(l, name):
    if name == "dotdot":
        l.file("../../../../tmp/gantry-escape-dotdot", "x")
    elif name == "absolute":
        l.file("/tmp/gantry-escape-absolute", "x")
    elif name == "symlink-escape":
        l.symlink("escape", "../../../../../../tmp")
        l.file("escape/gantry-escape-symlink", "x")
    elif name == "symlink-abs":
        l.dir("d")
        l.symlink("d/lnk", "/tmp")
        l.file("d/lnk/gantry-escape-symlink-abs", "x")
    elif name == "hardlink-out":
        l.hardlink("passwd", "../../../../../etc/passwd")
    elif name == "hardlink-abs":
        l.hardlink("passwd", "/etc/passwd")
    elif name == "hardlink-symlink":
        l.symlink("hostetc", "/etc")
        l.hardlink("passwd", "hostetc/passwd")
    elif name == "huge":
        l.file("ok", "fine")
        l.file("big", os.urandom(2 << 20))
    elif name == "huge-header":
        l.file("ok", "fine")
        l.header_only("claims-8g", 8 << 30)
    elif name == "device":
        l.file("ok", "fine")
        l.chardev("dev/sda", 8, 0)
    elif name == "whiteout-dotdot":
        l.file("a/.wh..", "")
    else:
        raise SystemExit("unknown hostile layer " + name)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def put_blob(layout, data):
    d = sha256(data)
    path = os.path.join(layout, "blobs", "sha256", d[7:])
    with open(path, "wb") as f:
        f.write(data)
    return d, len(data)


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE,
                              check=True).stdout
    return data


def layer_types(docker):
    if docker:
        return {"gzip": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "none": "application/vnd.docker.image.rootfs.diff.tar",
                "zstd": "application/vnd.docker.image.rootfs.diff.tar.zstd"}
    return {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
            "none": "application/vnd.oci.image.layer.v1.tar",
            "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}


def build_manifest(layout, layers, args, arch="amd64", variant=None):
    """layers: list of (tar path, compression).  Returns the manifest descriptor."""
    types = layer_types(args.docker)
    diff_ids, descs = [], []
    for path, how in layers:
        raw = open(path, "rb").read()
        diff = sha256(raw)
        if how == "raw":  # bytes as they are, labelled gzip (broken streams)
            how = "gzip"
            d, n = put_blob(layout, raw)
            diff_ids.append(diff)
            descs.append({"mediaType": types[how], "digest": d, "size": n})
            continue
        if args.bad_diff_id:
            diff = sha256(b"not the layer")
        diff_ids.append(diff)
        d, n = put_blob(layout, compress(raw, how))
        descs.append({"mediaType": types[how], "digest": d, "size": n})
    cfg = {"architecture": arch, "os": "linux",
           "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(MTIME)),
           "config": {"Cmd": args.cmd or ["/bin/sh"], "Env": ["PATH=/bin:/usr/bin", "FOO=bar"],
                      "WorkingDir": "/home/app", "Labels": {"test": "yes"},
                      "ExposedPorts": {"80/tcp": {}}},
           "rootfs": {"type": "layers", "diff_ids": diff_ids},
           "history": [{"created_by": "mkimage.py"} for _ in layers]}
    if variant:
        cfg["variant"] = variant
    if args.user:
        cfg["config"]["User"] = args.user
    cd, cn = put_blob(layout, json.dumps(cfg).encode())
    mt = ("application/vnd.docker.distribution.manifest.v2+json" if args.docker
          else "application/vnd.oci.image.manifest.v1+json")
    ct = ("application/vnd.docker.container.image.v1+json" if args.docker
          else "application/vnd.oci.image.config.v1+json")
    m = {"schemaVersion": 2, "mediaType": mt,
         "config": {"mediaType": ct, "digest": cd, "size": cn}, "layers": descs}
    md, mn = put_blob(layout, json.dumps(m).encode())
    desc = {"mediaType": mt, "digest": md, "size": mn,
            "platform": {"architecture": arch, "os": "linux"}}
    if variant:
        desc["platform"]["variant"] = variant
    return desc


def cmd_layout(args):
    os.makedirs(os.path.join(args.dir, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(args.dir, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    layers = []
    for spec in args.layer:
        path, _, how = spec.partition(":")
        layers.append((path, how or "gzip"))
    if args.multi:
        # an index of two platforms, the arm64 one first
        arm = build_manifest(args.dir, [(args.multi[0], "gzip")], args, "arm64", "v8")
        amd = build_manifest(args.dir, [(args.multi[1], "gzip")], args, "amd64")
        ix = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
              "manifests": [arm, amd]}
        d, n = put_blob(args.dir, json.dumps(ix).encode())
        desc = {"mediaType": ix["mediaType"], "digest": d, "size": n}
    else:
        desc = build_manifest(args.dir, layers, args)
    if args.ref:
        desc["annotations"] = {"org.opencontainers.image.ref.name": args.ref}
    idx_path = os.path.join(args.dir, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(idx_path):
        index = json.load(open(idx_path))
    index["manifests"].append(desc)
    with open(idx_path, "w") as f:
        json.dump(index, f)
    print(desc["digest"])


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd_name", required=True)
    a = sub.add_parser("layer")
    a.add_argument("out")
    a.add_argument("kind", choices=sorted(LAYERS))
    a = sub.add_parser("hostile")
    a.add_argument("out")
    a.add_argument("name")
    a = sub.add_parser("big")
    a.add_argument("out")
    a.add_argument("mb", type=int)
    a = sub.add_parser("layout")
    a.add_argument("dir")
    a.add_argument("--layer", action="append", default=[], help="TAR[:gzip|zstd|none|raw]")
    a.add_argument("--ref")
    a.add_argument("--cmd", nargs="*")
    a.add_argument("--user")
    a.add_argument("--docker", action="store_true", help="Docker v2 schema 2 media types")
    a.add_argument("--bad-diff-id", action="store_true")
    a.add_argument("--multi", nargs=2, metavar=("ARM_TAR", "AMD_TAR"))
    args = p.parse_args()
    if args.cmd_name == "layer":
        l = Layer(args.out)
        LAYERS[args.kind](l)
        l.close()
    elif args.cmd_name == "hostile":
        l = Layer(args.out)
        hostile(l, args.name)
        l.close()
    elif args.cmd_name == "big":
        l = Layer(args.out)
        for i in range(args.mb):
            l.file("chunk%03d" % i, os.urandom(1 << 20))
        l.close()
    else:
        cmd_layout(args)


if __name__ == "__main__":
    sys.exit(main())
