#!/usr/bin/python3
"""Prints a root filesystem as sorted lines (one per entry) for comparison:
name, type, mode, owner, then content digest / link target / device
numbers, xattrs (but overlay's and SELinux's), and the hard-link group.
Directory times are left out (they differ by how a tree was assembled);
the times of everything else are kept.

  treecmp.py DIR
"""
import hashlib
import os
import stat
import sys


def xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return ""
    out = []
    for n in sorted(names):
        if n.startswith("trusted.overlay.") or n.startswith("security.selinux"):
            continue
        v = os.getxattr(path, n, follow_symlinks=False)
        out.append("%s=%s" % (n, v.hex()))
    return ",".join(out)


def main(root):
    lines = []
    inodes = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames) + ([] if dirpath != root else ["."]):
            path = os.path.join(dirpath, name) if name != "." else root
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            mode = stat.S_IMODE(st.st_mode)
            kind = stat.S_IFMT(st.st_mode)
            extra = ""
            if stat.S_ISREG(kind):
                h = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]
                extra = "size=%d sha=%s mtime=%d" % (st.st_size, h, st.st_mtime)
                if st.st_nlink > 1:
                    key = (st.st_dev, st.st_ino)
                    inodes.setdefault(key, []).append(rel)
            elif stat.S_ISLNK(kind):
                extra = "-> " + os.readlink(path)
            elif stat.S_ISCHR(kind) or stat.S_ISBLK(kind):
                extra = "dev=%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
            t = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFCHR: "c",
                 stat.S_IFBLK: "b", stat.S_IFIFO: "p", stat.S_IFSOCK: "s"}[kind]
            lines.append("%s %s %04o %d:%d %s %s" % (rel, t, mode, st.st_uid, st.st_gid, extra,
                                                      xattrs(path)))
    for key, names in inodes.items():
        if len(names) > 1:
            lines.append("hardlinks " + " = ".join(sorted(names)))
    for l in sorted(set(lines)):
        print(l.rstrip())


if __name__ == "__main__":
    main(sys.argv[1])
