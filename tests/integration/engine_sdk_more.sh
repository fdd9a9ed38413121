#!/bin/bash
# More of the Python docker SDK (Debian's python3-docker) against the
# engine: put_archive / get_archive, diff, update (checked in the cgroup),
# commit with changes and a run of the result, login against a registry
# with basic auth (and a pull with what login kept), images.load of a
# docker save tarball, import_image_from_data.
. "$(dirname "$0")/lib_engine.sh"
. "$(dirname "$0")/registry/lib.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }
docker pull -q "$BUSYBOX" >/dev/null
export BUSYBOX DOCKER_HOST

# sdk: runs the Python on stdin with `c` a client, `busybox` the image and
# `wait_running(ctr)`; what it prints is the case's output
sdk() {
    { cat <<'PY'
import io, os, sys, tarfile, time
import docker
c = docker.DockerClient(base_url=os.environ["DOCKER_HOST"])
busybox = os.environ["BUSYBOX"]

def wait_running(ctr):
    for _ in range(50):
        ctr.reload()
        if ctr.status == "running":
            return
        time.sleep(0.1)
    raise SystemExit("%s is %s" % (ctr.name, ctr.status))

def expect(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc as e:
        return e
    raise SystemExit("%s did not raise %s" % (fn.__name__, exc.__name__))
PY
      cat; } > sdk.py
    /usr/bin/python3 sdk.py "$@"
}

test_archive() {
    defer docker rm -f sdkcp
    sdk <<'PY'
ctr = c.containers.run(busybox, ["sleep", "100"], detach=True, name="sdkcp")
wait_running(ctr)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as tf:
    body = b"put by the sdk\n"
    ti = tarfile.TarInfo("hello.txt")
    ti.size, ti.mode, ti.uid, ti.gid = len(body), 0o640, 1234, 5678
    ti.mtime = 1700000000
    tf.addfile(ti, io.BytesIO(body))
    ti = tarfile.TarInfo("sub")
    ti.type, ti.mode = tarfile.DIRTYPE, 0o755
    tf.addfile(ti)
assert ctr.put_archive("/tmp", buf.getvalue()) is True
rc, out = ctr.exec_run(["stat", "-c", "%a %u:%g", "/tmp/hello.txt"])
assert (rc, out) == (0, b"640 1234:5678\n"), (rc, out)
assert ctr.exec_run(["cat", "/tmp/hello.txt"]).output == b"put by the sdk\n"

strm, st = ctr.get_archive("/tmp/hello.txt")
print("stat", st)
assert st["name"] == "hello.txt" and st["size"] == 15, st
assert st["mode"] & 0o777 == 0o640, oct(st["mode"])
assert st["mtime"].startswith("2023-11-14T22:13:20"), st["mtime"]
data = b"".join(strm)
with tarfile.open(fileobj=io.BytesIO(data)) as tf:
    m = tf.getmember("hello.txt")
    assert tf.extractfile(m).read() == b"put by the sdk\n"
    assert (m.mode & 0o777, m.uid, m.gid) == (0o640, 1234, 5678), (m.mode, m.uid, m.gid)
    assert m.mtime == 1700000000, m.mtime
strm, st = ctr.get_archive("/tmp/sub")
assert st["mode"] & 0x80000000, st  # a directory (Go's os.ModeDir)
# its tar entry had no time: the epoch, a time like another (not Go's zero)
assert st["mtime"].startswith("1970-01-01T00:00:00"), st["mtime"]
b"".join(strm)

e = expect(docker.errors.NotFound, ctr.get_archive, "/no/such/file")
print("get_archive of a missing path:", e)
e = expect(docker.errors.NotFound, ctr.put_archive, "/no/such/dir", buf.getvalue())
print("put_archive to a missing directory:", e)
print("archive ok")
PY
}

test_diff() {
    defer docker rm -f sdkdiff
    sdk <<'PY'
ctr = c.containers.run(busybox, ["sh", "-c", "echo x > /newfile; mkdir /newdir; rm /etc/motd 2>/dev/null; echo y >> /etc/passwd"],
                       detach=True, name="sdkdiff")
assert ctr.wait()["StatusCode"] in (0, 1)
d = ctr.diff()
print(d)
got = {x["Path"]: x["Kind"] for x in d}
assert got.get("/newfile") == 1 and got.get("/newdir") == 1, got
assert got.get("/etc/passwd") == 0 and got.get("/etc") == 0, got
assert all(set(x) == {"Path", "Kind"} for x in d), d
print("diff ok")
PY
}

test_update() {
    defer docker rm -f sdkupd
    sdk <<'PY'
ctr = c.containers.run(busybox, ["sleep", "100"], detach=True, name="sdkupd")
wait_running(ctr)
res = ctr.update(mem_limit="32m", memswap_limit="64m", cpu_quota=50000, cpu_period=100000)
print("update:", res)
assert isinstance(res, dict) and "Warnings" in res, res
ctr.reload()
hc = ctr.attrs["HostConfig"]
assert (hc["Memory"], hc["MemorySwap"], hc["CpuQuota"], hc["CpuPeriod"]) == \
    (32 << 20, 64 << 20, 50000, 100000), hc
pid = ctr.attrs["State"]["Pid"]
cg = {}
for line in open("/proc/%d/cgroup" % pid):
    _, ctrls, path = line.strip().split(":", 2)
    for k in ctrls.split(","):
        cg[k] = path
def val(ctrl, f):
    return int(open("/sys/fs/cgroup/%s%s/%s" % (ctrl, cg[ctrl], f)).read())
assert val("memory", "memory.limit_in_bytes") == 32 << 20
assert val("cpu", "cpu.cfs_quota_us") == 50000
assert val("cpu", "cpu.cfs_period_us") == 100000
e = expect(docker.errors.APIError, ctr.update, mem_limit="8m", memswap_limit="4m")
print("swap below memory:", e)
assert e.status_code == 400, e.status_code
e = expect(docker.errors.NotFound, c.api.update_container, "nosuch", mem_limit="8m")
print("update ok")
PY
}

test_commit() {
    defer docker rm -f sdkcommit
    defer docker rmi -f sdkcommit:v1
    sdk <<'PY'
ctr = c.containers.run(busybox, ["sh", "-c", "echo committed > /committed"], detach=True,
                       name="sdkcommit")
assert ctr.wait()["StatusCode"] == 0
img = ctr.commit(repository="sdkcommit", tag="v1", message="by the sdk", author="tester",
                 changes=["ENV C=d", 'CMD ["sh", "-c", "echo $C; cat /committed"]',
                          "LABEL made=sdk", "WORKDIR /tmp"])
print("image", img.id, img.tags)
assert img.tags == ["sdkcommit:v1"], img.tags
cfg = img.attrs["Config"]
assert "C=d" in cfg["Env"] and cfg["Labels"]["made"] == "sdk" and cfg["WorkingDir"] == "/tmp", cfg
assert img.attrs["Comment"] == "by the sdk" and img.attrs["Author"] == "tester", img.attrs
out = c.containers.run("sdkcommit:v1", remove=True)
assert out == b"d\ncommitted\n", out
e = expect(docker.errors.APIError, ctr.commit, repository="sdkcommit", tag="v2",
           changes=["FROBNICATE x"])
print("a bad change:", e)
assert e.status_code == 400, e.status_code
print("commit ok")
PY
}

test_login() {
    reg_need
    start_basic_registry
    skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/layout:latest" \
        "docker://$R/private/busybox:1" >/dev/null || fail "skopeo could not push"
    defer docker rmi -f "$R/private/busybox:1"
    R=$R sdk <<'PY'
reg = os.environ["R"]
e = expect(docker.errors.APIError, c.login, username="alice", password="wrong", registry=reg)
print("wrong password:", e)
assert e.status_code == 401, e.status_code
e = expect(docker.errors.APIError, c.images.pull, reg + "/private/busybox", tag="1")
print("anonymous pull:", e)
res = c.login(username="alice", password="s3cret", registry=reg)
print("login:", res)
assert res["Status"] == "Login Succeeded", res
img = c.images.pull(reg + "/private/busybox", tag="1")
assert reg + "/private/busybox:1" in img.tags, img.tags
print("login ok")
PY
}

test_load() {
    defer docker rmi -f sdkload:1
    docker tag "$BUSYBOX" sdkload:1
    docker save -o saved.tar sdkload:1
    docker rmi sdkload:1 >/dev/null
    sdk <<'PY'
with open("saved.tar", "rb") as f:
    imgs = c.images.load(f.read())
print("loaded", [(i.id, i.tags) for i in imgs])
assert len(imgs) == 1 and imgs[0].tags == ["sdkload:1"], imgs
assert c.containers.run("sdkload:1", ["echo", "loaded"], remove=True) == b"loaded\n"
e = expect(docker.errors.APIError, lambda: c.images.load(b"not a tarball"))
print("garbage:", e)
assert e.status_code == 400 and "the archive" in str(e) and "/tmp/" not in str(e), e
print("load ok")
PY
}

test_import() {
    defer docker rm -f sdkexp
    defer docker rmi -f sdkimport:1
    sdk <<'PY'
ctr = c.containers.create(busybox, ["true"], name="sdkexp")
data = b"".join(ctr.export())
res = c.api.import_image_from_data(data, repository="sdkimport", tag="1",
                                   changes=['CMD ["echo", "imported"]'])
print("import:", repr(res))
import json
ident = json.loads(res.strip().splitlines()[-1])["status"]
assert ident.startswith("sha256:"), ident
img = c.images.get("sdkimport:1")
assert img.id == ident, (img.id, ident)
assert c.containers.run("sdkimport:1", remove=True) == b"imported\n"
print("import ok")
PY
}

t "sdk: put_archive and get_archive" test_archive
t "sdk: diff" test_diff
t "sdk: update, in the cgroup" test_update
t "sdk: commit with changes, run the result" test_commit
t "sdk: login with basic auth, then a pull" test_login
t "sdk: images.load of a docker save tarball" test_load
t "sdk: import_image_from_data" test_import
done_testing
