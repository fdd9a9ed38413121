#!/bin/bash
# The same flows through the Python docker SDK (Debian's python3-docker),
# and a build through it (images.build, BuildError).
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

test_python_sdk_build() {
    ctx=$(mktemp -d)
    defer rm -rf "$ctx"
    echo from-context > "$ctx/data.txt"
    printf 'FROM %s\nARG WHO\nCOPY data.txt /data.txt\nRUN echo "built by $WHO" > /who\n' \
        "$BUSYBOX" > "$ctx/Dockerfile"
    printf 'CMD ["sh", "-c", "cat /data.txt /who"]\n' >> "$ctx/Dockerfile"
    printf 'FROM %s\nRUN echo about to fail; exit 7\n' "$BUSYBOX" > "$ctx/Dockerfile.fail"
    defer docker rmi -f sdkbuilt:v1
    /usr/bin/python3 - "$DOCKER_HOST" "$BUSYBOX" "$ctx" <<'PY'
import sys
import docker

host, busybox, ctx = sys.argv[1:4]
c = docker.DockerClient(base_url=host)
c.images.pull(busybox)
img, logs = c.images.build(path=ctx, tag="sdkbuilt:v1", buildargs={"WHO": "sdk"}, rm=True)
text = "".join(x.get("stream", "") for x in logs)
assert "Step 4/5 : RUN" in text, text
assert "sdkbuilt:v1" in img.tags, img.tags
out = c.containers.run("sdkbuilt:v1", remove=True)
assert out == b"from-context\nbuilt by sdk\n", out
try:
    c.images.build(path=ctx, dockerfile="Dockerfile.fail", tag="sdkfail:v1", forcerm=True)
    raise SystemExit("a failing build returned")
except docker.errors.BuildError as e:
    assert "The command '/bin/sh -c echo about to fail; exit 7' returned a non-zero code: 7" \
        in e.msg, e.msg
    assert any("about to fail" in x.get("stream", "") for x in e.build_log), list(e.build_log)
try:
    c.images.get("sdkfail:v1")
    raise SystemExit("the failed build is tagged")
except docker.errors.ImageNotFound:
    pass
assert c.containers.list(all=True) == [], c.containers.list(all=True)
print("sdk build ok")
PY
}

t "the Python docker SDK" test_python_sdk
t "the Python docker SDK builds (images.build), BuildError on a failing step" \
    test_python_sdk_build
done_testing
