#!/bin/bash
# Registry authentication: basic auth (htpasswd, bcrypt) with explicit
# credentials and a docker config.json, and bearer tokens from a token
# server (the Docker token spec), cached per scope.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry/lib.sh"

test_basic_auth() {
    reg_need
    start_basic_registry
    local m out
    m=$(mkimage "$PWD/src")
    reg_fails "push without credentials succeeded" --root "$PWD/src" --quiet push "$R/private/app:1" "$m"
    assert_contains "$out" "push $R/private/app:1: "
    assert_contains "$out" "unauthorized: authentication required (HTTP 401)"

    gantry_reg --root "$PWD/src" --quiet --user alice:s3cret push "$R/private/app:1" "$m"

    reg_fails "pull with a wrong password succeeded" --root "$PWD/bad" --user alice:wrong pull "$R/private/app:1"
    assert_contains "$out" "pull $R/private/app:1: unauthorized: authentication required (HTTP 401)"
    [ -z "$(ls "$PWD/bad/content/blobs/sha256" 2>/dev/null)" ] || fail "blobs stored by a refused pull"

    reg_fails "anonymous pull succeeded" --root "$PWD/anon" pull "$R/private/app:1"
    assert_contains "$out" "(HTTP 401)"

    gantry_reg --root "$PWD/good" --quiet --user alice:s3cret pull "$R/private/app:1"
    same_blobs "$PWD/src" "$PWD/good" $(manifest_blobs "$PWD/src" "$m")
}

test_credentials_from_a_docker_config_json() {
    reg_need
    start_basic_registry
    local m
    m=$(mkimage "$PWD/src")
    mkdir -p dockercfg
    # a key with scheme and path, as `docker login` may write it
    printf '{"auths":{"http://%s/v2/":{"auth":"%s"}}}\n' "$R" "$(printf alice:s3cret | base64)" \
        > dockercfg/config.json
    gantry_reg --root "$PWD/src" --quiet --auth-file "$PWD/dockercfg/config.json" push "$R/p/app:1" "$m"
    # DOCKER_CONFIG is where the default auth file lives
    DOCKER_CONFIG=$PWD/dockercfg gantry_reg --root "$PWD/dst" --quiet pull "$R/p/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$m"
    # a wrong entry is used, and refused
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" "$(printf alice:nope | base64)" > dockercfg/config.json
    local out
    if out=$(DOCKER_CONFIG=$PWD/dockercfg gantry_reg --root "$PWD/dst2" pull "$R/p/app:1" 2>&1); then
        fail "pull with wrong stored credentials succeeded"
    fi
    assert_contains "$out" "(HTTP 401)"
    # a broken auth file named explicitly is an error that names it
    echo '{' > broken.json
    reg_fails "a broken auth file was accepted" --root "$PWD/dst2" --auth-file "$PWD/broken.json" pull "$R/p/app:1"
    assert_contains "$out" "broken.json"
}

test_bearer_tokens() {
    reg_need
    start_token_registry
    local m out
    m=$(mkimage "$PWD/src" --random-kb 200)
    gantry_reg --root "$PWD/src" --quiet --user alice:s3cret push "$R/team/app:1" "$m"
    grep -q "TOKEN user=alice scope=repository:team/app:pull,push service=gantry-registry" "$TOKEN_log" ||
        fail "no push-scoped token request: $(cat "$TOKEN_log")"

    : > "$TOKEN_log"
    gantry_reg --root "$PWD/dst" --quiet --parallel 3 --user alice:s3cret pull "$R/team/app:1"
    same_blobs "$PWD/src" "$PWD/dst" "$m" $(manifest_blobs "$PWD/src" "$m")
    # One token for the whole pull: cached per scope, shared by the transfers.
    assert_eq "$(grep -c '^TOKEN' "$TOKEN_log")" 1 "token requests of one pull"
    grep -q "TOKEN user=alice scope=repository:team/app:pull " "$TOKEN_log" || fail "$(cat "$TOKEN_log")"

    reg_fails "pull with a wrong password succeeded" --root "$PWD/x" --user alice:wrong pull "$R/team/app:1"
    assert_contains "$out" "pull $R/team/app:1: fetch token from http://$TOKEN/token: incorrect username or password (HTTP 401)"

    # anonymous: the token grants nothing here, so the registry refuses
    reg_fails "anonymous pull of a private repository succeeded" --root "$PWD/x" pull "$R/team/app:1"
    assert_contains "$out" "pull $R/team/app:1: unauthorized: authentication required (HTTP 401)"
    [ -z "$(ls "$PWD/x/content/blobs/sha256" 2>/dev/null)" ] || fail "blobs stored by refused pulls"

    # anonymous pulls of public/ repositories get a pull token
    gantry_reg --root "$PWD/src" --quiet --user bob:pw push "$R/public/app:1" "$m"
    gantry_reg --root "$PWD/anon" --quiet pull "$R/public/app:1"
    grep -q "TOKEN user=- scope=repository:public/app:pull" "$TOKEN_log" || fail "$(cat "$TOKEN_log")"
}

test_bearer_mount_asks_for_both_scopes() {
    reg_need
    start_token_registry
    local m
    m=$(mkimage "$PWD/src")
    gantry_reg --root "$PWD/src" --quiet --user alice:s3cret push "$R/base/img:1" "$m"
    : > "$TOKEN_log"
    gantry_reg --root "$PWD/src" --json --user alice:s3cret --mount-from base/img push "$R/app/img:1" "$m" > out
    [ "$(grep -c '"status":"Mounted from base/img"' out)" = 2 ] || fail "$(cat out)"
    grep -q "scope=repository:app/img:pull,push repository:base/img:pull" "$TOKEN_log" ||
        grep -q "scope=repository:base/img:pull repository:app/img:pull,push" "$TOKEN_log" ||
        fail "token scopes: $(cat "$TOKEN_log")"
}

t "basic auth: no, wrong and right credentials" test_basic_auth
t "basic auth from a docker config.json (and DOCKER_CONFIG)" test_credentials_from_a_docker_config_json
t "bearer tokens: fetched with credentials, one per pull, refusals explained" test_bearer_tokens
t "bearer token for a mount covers both repositories" test_bearer_mount_asks_for_both_scopes
done_testing
