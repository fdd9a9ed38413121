/* store/etcd_client.h - internal to the etcd backend (etcd.c, etcd_watch.c):
 * the store struct, calls to etcd's v3 JSON gateway, and the conversions
 * between its JSON (base64 bytes, int64 as strings) and ours. */
#ifndef GT_STORE_ETCD_CLIENT_H
#define GT_STORE_ETCD_CLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "http/client.h"
#include "store/store.h"

struct etcd_store {
    struct gt_store base;
    char **endpoints; /* NULL-terminated */
    struct gt_http_client **http; /* one per endpoint: the watch streams' */
    size_t nendpoints;
    atomic_size_t current; /* the endpoint that answered last */
    char *ca_file, *cert_file, *key_file;
    int timeout_ms;
    pthread_mutex_t pool_lock;
    CURL **pool; /* idle handles, each keeping its connection */
    size_t npool, pool_cap;
};

/* POSTs req to <endpoint><path> and parses the answer; an etcd error
 * becomes our error code (etcd_error).  Takes no ownership of req. */
int etcd_call(struct etcd_store *s, const char *path, json_t *req, json_t **resp,
              struct gt_error *err);
/* Maps an etcd error message (and gRPC code) to our code and message. */
int etcd_error(const char *msg, int grpc_code, struct gt_error *err);
/* Applies the TLS options of the store (arg) to a curl handle. */
void etcd_curl_setup(CURL *h, void *arg);

/* base64 of n bytes, as a JSON string */
json_t *etcd_b64(const void *p, size_t n);
/* Decodes a base64 JSON member (absent: empty) into a NUL-terminated copy. */
int etcd_unb64(const json_t *obj, const char *member, char **out, size_t *len,
               struct gt_error *err);
/* An int64 member, whether sent as a string or a number (absent: 0). */
int64_t etcd_int(const json_t *obj, const char *member);
/* Fills kv from an etcd mvccpb.KeyValue. */
int etcd_parse_kv(const json_t *j, struct gt_kv *kv, struct gt_error *err);
/* Parses a "kvs" array into a new array. */
int etcd_parse_kvs(const json_t *arr, struct gt_kv **out, size_t *n, struct gt_error *err);

int etcd_watch(struct gt_store *s, const struct gt_store_watch_opts *opts,
               struct gt_store_watch **out, struct gt_error *err);
int etcd_watch_next(struct gt_store_watch *w, int timeout_ms, struct gt_store_watch_batch *batch,
                    struct gt_error *err);
void etcd_watch_batch_release(struct gt_store_watch_batch *batch);
int etcd_watch_request_progress(struct gt_store_watch *w, struct gt_error *err);
int etcd_watch_fd(struct gt_store_watch *w);
void etcd_watch_cancel(struct gt_store_watch *w);
void etcd_watch_free(struct gt_store_watch *w);

#endif
