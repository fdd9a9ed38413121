/* engine/monitor.h - the per-container monitor (the role of containerd-shim
 * or conmon), and the protocol the engine speaks with it.
 *
 * The monitor is its own small process (build/gantry-monitor, linked with
 * base/ and libc only): it detaches from the engine (fork, setsid), becomes
 * the child subreaper of the container's init and of its exec'd processes,
 * runs the runtime (`create`, then `start` when the engine says so), holds
 * the container's stdio (pipes, or the pty master received on the
 * runtime's --console-socket), writes the json-file log, and when the init
 * exits records the exit status and an OOM kill, runs the runtime's
 * `delete`, writes <dir>/exit atomically and exits.  It outlives the
 * engine: nothing ties it to the engine after the start handshake.
 *
 * Files in its directory <dir> (an exec-root directory of the container,
 * which is also the bundle: config.json and rootfs/ are there):
 *   attach.sock   the control socket (below)
 *   console.sock  the console socket given to the runtime (Tty only)
 *   init.pid      the runtime's pid file
 *   exit          {"exit_code":N,"oom_killed":B,"signal":N,"finished_at":"RFC3339Nano"}
 *   runtime.log   the runtime's own log (JSON lines); monitor.log its own
 *
 * Start handshake, on the sync socket (a SOCK_SEQPACKET pair; the engine
 * passes its end as --sync-fd), one text message per packet:
 *   monitor -> engine  "pid <monitor pid>"        once detached
 *   monitor -> engine  "created <init pid>"       runtime create succeeded
 *   engine  -> monitor "start"                    (attachers are connected)
 *   monitor -> engine  "started"                  runtime start succeeded
 *   monitor -> engine  "error <message>"          and the monitor cleans up
 * If the engine's end closes before "start", the container is killed and
 * deleted and the monitor exits.
 *
 * Control socket (attach.sock, SOCK_STREAM).  A client sends one request
 * line, then (attach, exec) raw stdin bytes; its shutdown(SHUT_WR) is the
 * end of its stdin.  The monitor answers with frames: an 8-byte header
 * (type, three zero bytes, big-endian u32 length) and the payload.
 *   attach <flags>                    stream the container's live output
 *   resize <height> <width>           the container's pty
 *   kill <signal>                     signal the container's init
 *   exec <flags> <process.json>       run a process in the container
 *   exec-resize <session> <h> <w>     an exec's pty
 *   exec-kill <session> <signal>      signal an exec'd process
 * flags: a sum of GT_MON_F_*.  Replies: GT_MON_OK (payload: for exec,
 * "<pid> <session>"), GT_MON_ERROR (payload: the message), output frames
 * (GT_MON_STDOUT, GT_MON_STDERR), and for attach and exec a final
 * GT_MON_EXIT (payload: the decimal exit code) before the close: an exec's
 * exit code always arrives before its output stream ends. */
#ifndef GT_ENGINE_MONITOR_H
#define GT_ENGINE_MONITOR_H

#include <stddef.h>
#include <stdint.h>

enum gt_mon_frame {
    GT_MON_STDOUT = 1,
    GT_MON_STDERR = 2,
    GT_MON_OK = 16,
    GT_MON_EXIT = 17,
    GT_MON_ERROR = 18,
};

enum {
    GT_MON_F_STDIN = 1,  /* the client sends stdin */
    GT_MON_F_STDOUT = 2, /* wants stdout */
    GT_MON_F_STDERR = 4, /* wants stderr */
    GT_MON_F_TTY = 8,    /* exec: with a pty */
};

#define GT_MON_HDR 8
#define GT_MON_REQ_MAX 4096

static inline void gt_mon_hdr(unsigned char h[GT_MON_HDR], int type, uint32_t len)
{
    h[0] = (unsigned char)type;
    h[1] = h[2] = h[3] = 0;
    h[4] = (unsigned char)(len >> 24);
    h[5] = (unsigned char)(len >> 16);
    h[6] = (unsigned char)(len >> 8);
    h[7] = (unsigned char)len;
}

static inline uint32_t gt_mon_hdr_len(const unsigned char h[GT_MON_HDR])
{
    return (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
}

/* The monitor's main (build/gantry-monitor and `gantry monitor`). */
int gt_monitor_main(int argc, char **argv);

#endif
