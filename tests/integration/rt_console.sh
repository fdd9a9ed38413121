#!/bin/bash
# Terminals: the console-socket protocol details (size, /dev/console, input)
# and, as runc does, `run -t` and `exec -t` in the foreground without a
# console socket, where the runtime copies between its own terminal and the
# container's pty.
. "$(dirname "$0")/lib_runtime.sh"

PTY_RUN=$IT_ROOT/tests/integration/pty_run.py

test_console_size_and_dev_console() {
    b=$(new_bundle csize '.process.terminal=true | .process.consoleSize={"height":33,"width":111}
        | .process.args=["sh","-c","stty size; stat -c %t:%T /dev/console $(tty); echo size-done"]')
    id=$(rt_id csize)
    defer rt delete --force "$id"
    receive csize
    rt run --detach --console-socket "$PWD/csize.sock" --bundle "$b" "$id" </dev/null
    wait_for "grep -q size-done csize.out"
    out=$(tr -d '\r' < csize.out)
    assert_contains "$out" "33 111" "process.consoleSize"
    # /dev/console is the container's pty (same device numbers)
    devs=$(echo "$out" | grep -E '^[0-9a-f]+:[0-9a-f]+$' | sort -u | wc -l)
    assert_eq "$devs" 1 "/dev/console and the tty are one device"
}

test_console_input_reaches_the_process() {
    b=$(new_bundle cin '.process.terminal=true | .process.args=["sh","-c","read x; echo got-$x"]')
    id=$(rt_id cin)
    defer rt delete --force "$id"
    receive cin $'hello\n'
    rt run --detach --console-socket "$PWD/cin.sock" --bundle "$b" "$id" </dev/null
    wait_for "grep -q got-hello cin.out"
}

test_run_tty_in_the_foreground() {
    b=$(new_bundle fg '.process.terminal=true | .process.args=["sh","-c","tty; stty size; read x; echo got-$x; exit 3"]')
    id=$(rt_id fg)
    rc=0
    out=$(/usr/bin/python3 "$PTY_RUN" 27x91 $'typed\n' "$RUNTIME" --root "$RT_ROOT" run --bundle "$b" "$id") || rc=$?
    echo "$out"
    assert_eq "$rc" 3 "exit status through the pty"
    assert_contains "$out" "/dev/pts/0"
    assert_contains "$out" "27 91" "the caller's window size"
    assert_contains "$out" "got-typed"
    assert_no_trace "$id" fg
}

test_exec_tty_in_the_foreground() {
    b=$(new_bundle exfg '.process.args=["sleep","100"]')
    id=$(rt_id exfg)
    defer rt delete --force "$id"
    rt run -d --bundle "$b" "$id" </dev/null
    rc=0
    out=$(/usr/bin/python3 "$PTY_RUN" 40x120 $'abc\n' "$RUNTIME" --root "$RT_ROOT" exec -t "$id" \
        sh -c 'tty; stty size; read x; echo got-$x; exit 4') || rc=$?
    echo "$out"
    assert_eq "$rc" 4 "exec exit status"
    assert_contains "$out" "/dev/pts/"
    assert_contains "$out" "40 120"
    assert_contains "$out" "got-abc"
}

test_run_tty_output_at_exit() {
    # a burst of output just before the exit: the pty still holds some of
    # it when the process is reaped; all of it arrives, and the status
    for i in 1 2 3; do
        b=$(new_bundle burst$i '.process.terminal=true | .process.args=["sh","-c","head -c 200000 /dev/zero | tr \"\\0\" x; echo; echo end-of-burst; exit 5"]')
        rc=0
        out=$(/usr/bin/python3 "$PTY_RUN" 24x80 "" "$RUNTIME" --root "$RT_ROOT" run --bundle "$b" "$(rt_id burst$i)") || rc=$?
        assert_eq "$rc" 5 "exit status after a burst of output"
        assert_eq "$(echo "$out" | head -1 | tr -d '\n' | wc -c)" 200000 "bytes of output"
        assert_contains "$out" end-of-burst
    done
}

test_console_socket_without_terminal_is_refused() {
    b=$(new_bundle noterm '.process.args=["true"]')
    id=$(rt_id noterm)
    receive noterm
    rt create --console-socket "$PWD/noterm.sock" --bundle "$b" "$id" </dev/null 2>err \
        && { rt delete --force "$id"; fail "a console socket without a terminal was accepted"; }
    kill "$(cat noterm.pid)" 2>/dev/null || true
    assert_no_trace "$id" noterm
}

t "process.consoleSize and /dev/console" test_console_size_and_dev_console
t "run -t: a burst of output at exit arrives whole, with the status" test_run_tty_output_at_exit
t "input through the console socket reaches the process" test_console_input_reaches_the_process
t "run -t in the foreground: the runtime relays its terminal" test_run_tty_in_the_foreground
t "exec -t in the foreground: the runtime relays its terminal" test_exec_tty_in_the_foreground
t "--console-socket without process.terminal is refused" test_console_socket_without_terminal_is_refused
done_testing
