#!/bin/bash
# docker login against the engine, driven by the real docker CLI: the engine
# checks the credentials with a private registry (htpasswd basic auth, and
# bearer tokens from a token server), the CLI stores them and sends them
# (X-Registry-Auth) with pull, push and the pull of a run; after logout
# those fail again.  The engine itself keeps and reads no credentials.
. "$(dirname "$0")/lib_engine.sh"
. "$(dirname "$0")/registry/lib.sh"

start_engine || { echo "not ok - engine starts"; done_testing; exit 1; }
make_image busybox:latest

# seed REPO: pushes the busybox image to $R/REPO as alice
seed() {
    skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret "oci:$T/layout:latest" \
        "docker://$R/$1" >/dev/null || fail "skopeo could not push $R/$1"
}

logged_in() {
    jq -e --arg r "$R" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" >/dev/null 2>&1
}

# The private image can be pulled, run (pulled by run) and pushed while
# logged in, and none of that without the stored credentials.
private_flows() {
    local img=$R/private/busybox:1
    defer docker rmi -f "$img" "$R/private/copy:2"
    docker pull "$img" > res || fail "pull with the stored credentials: $(cat res)"
    assert_contains "$(cat res)" "Digest: sha256:"
    docker rmi "$img" >/dev/null
    assert_eq "$(docker run --rm "$img" echo ran 2>err)" ran "run pulling $img"
    assert_contains "$(cat err)" "Unable to find image"
    docker tag "$img" "$R/private/copy:2"
    docker push "$R/private/copy:2" > res || fail "push with the stored credentials: $(cat res)"
    assert_contains "$(cat res)" "2: digest: sha256:"

    docker logout "$R" > res
    logged_in && fail "logout left the credentials in config.json"
    docker rmi "$img" "$R/private/copy:2" >/dev/null
    docker pull "$img" 2>err && fail "pull after logout succeeded"
    cat err
    grep -q "unauthorized" err || fail "pull after logout: $(cat err)"
    docker run --rm "$img" true 2>err && fail "run after logout pulled the image"
    docker image inspect "$img" >/dev/null 2>&1 && fail "a refused pull left the image"
    true
}

test_basic_auth() {
    reg_need
    start_basic_registry
    seed private/busybox:1
    defer docker logout "$R"
    docker pull "$R/private/busybox:1" 2>err && fail "anonymous pull succeeded"
    grep -q "unauthorized" err || fail "anonymous pull: $(cat err)"

    echo wrong | docker login "$R" -u alice --password-stdin > res 2>&1 &&
        fail "login with a wrong password succeeded"
    cat res
    assert_contains "$(cat res)" \
        "Error response from daemon: login attempt to http://$R/v2/ failed with status: 401 Unauthorized"
    logged_in && fail "a refused login stored credentials"
    echo s3cret | docker login "$R" -u alice --password-stdin > res 2>&1 ||
        fail "login: $(cat res)"
    assert_contains "$(cat res)" "Login Succeeded"
    logged_in || fail "login stored nothing: $(cat "$DOCKER_CONFIG/config.json")"

    # the engine reads no config.json, even the one in its own environment
    # (lib_engine.sh starts it with DOCKER_CONFIG set): a restarted engine
    # asked without X-Registry-Auth pulls anonymously, and is refused
    stop_engine
    start_engine || fail "the engine did not start again"
    mkdir -p empty-config
    DOCKER_CONFIG=$PWD/empty-config docker pull "$R/private/busybox:1" 2>err &&
        fail "the engine used credentials the client did not send"
    grep -q "unauthorized" err || fail "$(cat err)"

    private_flows
}

test_bearer_tokens() {
    reg_need
    start_token_registry
    seed private/busybox:1
    defer docker logout "$R"
    echo wrong | docker login "$R" -u alice --password-stdin > res 2>&1 &&
        fail "login with a wrong password succeeded"
    cat res
    assert_contains "$(cat res)" "Error response from daemon: login to $R: unauthorized: "
    assert_contains "$(cat res)" "incorrect username or password"
    grep -q "TOKEN user=alice refused" "$TOKEN_log" || fail "token log: $(cat "$TOKEN_log")"
    logged_in && fail "a refused login stored credentials"

    : > "$TOKEN_log"
    echo s3cret | docker login "$R" -u alice --password-stdin > res 2>&1 ||
        fail "login: $(cat res)"
    assert_contains "$(cat res)" "Login Succeeded"
    grep -q "TOKEN user=alice scope=- " "$TOKEN_log" || fail "token log: $(cat "$TOKEN_log")"
    logged_in || fail "login stored nothing"

    : > "$TOKEN_log"
    private_flows
    grep -q "TOKEN user=alice scope=repository:private/busybox:pull " "$TOKEN_log" ||
        fail "no pull token for alice: $(cat "$TOKEN_log")"
    grep -q "TOKEN user=- scope=repository:private/busybox:pull " "$TOKEN_log" ||
        fail "the pull after logout did not ask anonymously: $(cat "$TOKEN_log")"
}

test_login_to_nothing() {
    local port
    port=$(free_port)
    echo x | docker login "127.0.0.1:$port" -u alice --password-stdin > res 2>&1 &&
        fail "login to a closed port succeeded"
    cat res
    assert_contains "$(cat res)" "Error response from daemon: login to 127.0.0.1:$port: "
}

t "basic auth: login refused, then accepted; pull, run and push with the stored credentials; refused after logout" test_basic_auth
t "bearer tokens: the same through a token server" test_bearer_tokens
t "login to a registry that is not there says so" test_login_to_nothing
done_testing
