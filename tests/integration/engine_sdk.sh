#!/bin/bash
# The same flows through the Python docker SDK (Debian's python3-docker).
. "$(dirname "$0")/lib_engine.sh"

setup_images
start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }

test_python_sdk() {
    /usr/bin/python3 - "$DOCKER_HOST" "$BUSYBOX" "$REGISTRY" <<'PY'
import sys, time
import docker

host, busybox, registry = sys.argv[1:4]
c = docker.DockerClient(base_url=host.replace("unix://", "unix://"))
assert c.ping()
print("version", c.version()["ApiVersion"])
img = c.images.pull(busybox)
assert busybox in img.tags, img.tags
out = c.containers.run(busybox, ["sh", "-c", "echo sdk-hello"], remove=True)
assert out == b"sdk-hello\n", out
ctr = c.containers.run(busybox, ["sh", "-c", "echo started; sleep 100"], detach=True, name="sdk1",
                       environment={"A": "b"}, labels={"k": "v"}, mem_limit="64m")
try:
    for _ in range(50):
        ctr.reload()
        if ctr.status == "running":
            break
        time.sleep(0.1)
    assert ctr.status == "running", ctr.status
    assert ctr.labels["k"] == "v"
    rc, out = ctr.exec_run(["sh", "-c", "echo $A"], environment={"A": "exec"})
    assert rc == 0 and out == b"exec\n", (rc, out)
    for _ in range(50):
        if b"started" in ctr.logs():
            break
        time.sleep(0.1)
    assert b"started" in ctr.logs()
    assert [x.name for x in c.containers.list(filters={"label": "k=v"})] == ["sdk1"]
    st = ctr.stats(stream=False)
    assert st["memory_stats"]["limit"] == 64 * 1024 * 1024, st["memory_stats"]
    ctr.stop(timeout=1)
    assert ctr.wait()["StatusCode"] == 137
finally:
    ctr.remove(force=True)
v = c.volumes.create("sdkvol")
assert c.containers.run(busybox, ["sh", "-c", "echo x > /v/f; cat /v/f"], volumes={"sdkvol": {"bind": "/v"}}, remove=True) == b"x\n"
v.remove()
try:
    c.containers.get("nosuch")
    raise SystemExit("get of a missing container succeeded")
except docker.errors.NotFound:
    pass
print("sdk ok")
PY
}

t "the Python docker SDK" test_python_sdk
done_testing
