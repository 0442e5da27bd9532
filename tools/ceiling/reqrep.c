/*
 * ceiling-reqrep: the transport ceiling for the broker's load benchmark.
 *
 * Measures how many records per second raw nanomsg request/reply can carry on
 * this machine when nothing else happens: C client threads (one NN_REQ socket
 * each) send requests of N records x B bytes in a closed loop for D ms, and a
 * server answers every request at once with a small ack.  No decoding, no
 * storage: whatever the broker reaches is bounded by this number.
 *
 * Wire format (mirrors a batch of encoded records and an ack of per-record
 * outcomes, not the broker's exact schema):
 *   request = u32 little-endian record count N, then N * B bytes of a fixed pattern
 *   ack     = 16-byte header (u32 magic, u32 count, u64 request size), then one
 *             outcome byte (0 = accepted) per record
 *
 * Server: one AF_SP_RAW NN_REP socket bound to the address, with C worker
 * threads sharing it (nanomsg sockets are thread safe).  Raw mode hands each
 * request's routing header to us as control data; sending it back with the ack
 * routes the ack to the right client, so workers answer requests in parallel.
 *
 * Measured: requests completed by all clients between a common start and the
 * end of the D ms window, divided by the wall time of that window; latency is
 * send -> reply received, per request, over all clients (p50, p99).  Before
 * the window, each client does one untimed request to establish its connection.
 *
 * Output: one JSON line on stdout.  Exit status 0 on success, 1 on errors
 * (usage, socket failures, or any request that failed during the run).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#define ACK_MAGIC 0x4b434143u           /* "CACK" */
#define ACK_HEADER 16
#define IO_TIMEOUT_MS 1000              /* bounds every blocking send/receive */
#define MAX_SAMPLES_PER_CLIENT (1u << 24) /* latency samples kept per client */
#define GRACE_S 10                      /* hard exit after D ms + this */

struct options {
    const char *address;
    uint32_t batch;
    uint32_t record_bytes;
    uint32_t duration_ms;
    uint32_t connections;
};

struct client {
    pthread_t thread;
    const struct options *opt;
    uint64_t requests;      /* completed inside the window */
    uint64_t failures;      /* send/receive errors or malformed acks */
    uint32_t *samples;      /* latency in microseconds, one per request */
    size_t nsamples, capsamples;
    int error;              /* setup failure */
};

struct server {
    pthread_t thread;
    int sock;               /* shared raw REP socket */
    uint64_t failures;
};

static atomic_int stop_servers;
static pthread_barrier_t start_barrier; /* clients + main thread, used twice */
static uint64_t window_start_ns, window_end_ns;

static uint64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime");
        exit(1);
    }
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int set_int_opt(int sock, int level, int option, int value, const char *name)
{
    if (nn_setsockopt(sock, level, option, &value, sizeof value) != 0) {
        fprintf(stderr, "nn_setsockopt(%s): %s\n", name, nn_strerror(nn_errno()));
        return -1;
    }
    return 0;
}

/* Server worker: receive a request, answer with the ack, until told to stop.
 * The receive timeout makes it notice the stop flag within IO_TIMEOUT_MS. */
static void *server_main(void *arg)
{
    struct server *s = arg;
    unsigned char *ack = NULL;
    size_t ack_cap = 0;

    while (!atomic_load(&stop_servers)) {
        void *body = NULL, *control = NULL;
        struct nn_iovec iov = { &body, NN_MSG };
        struct nn_msghdr hdr = { &iov, 1, &control, NN_MSG };
        int n = nn_recvmsg(s->sock, &hdr, 0);
        if (n < 0) {
            int e = nn_errno();
            if (e == ETIMEDOUT || e == EAGAIN || e == EINTR) continue;
            if (e != ETERM && e != EBADF) {
                fprintf(stderr, "server nn_recvmsg: %s\n", nn_strerror(e));
                s->failures++;
            }
            break;
        }
        uint32_t count = n >= 4 ? get_u32(body) : 0;
        size_t ack_len = ACK_HEADER + (size_t)count;
        if (ack_len > ack_cap) {
            unsigned char *grown = realloc(ack, ack_len);
            if (grown == NULL) {
                fprintf(stderr, "server: out of memory\n");
                nn_freemsg(body);
                nn_freemsg(control);
                s->failures++;
                break;
            }
            ack = grown;
            ack_cap = ack_len;
        }
        put_u32(ack, ACK_MAGIC);
        put_u32(ack + 4, count);
        put_u64(ack + 8, (uint64_t)n);
        memset(ack + ACK_HEADER, 0, count); /* every record accepted */
        nn_freemsg(body);

        struct nn_iovec out_iov = { ack, ack_len };
        struct nn_msghdr out = { &out_iov, 1, &control, NN_MSG };
        if (nn_sendmsg(s->sock, &out, 0) < 0) { /* on success, control is consumed */
            int e = nn_errno();
            nn_freemsg(control);
            if (e == ETIMEDOUT || e == EAGAIN || e == EINTR) { s->failures++; continue; }
            if (e != ETERM && e != EBADF) {
                fprintf(stderr, "server nn_sendmsg: %s\n", nn_strerror(e));
                s->failures++;
            }
            break;
        }
    }
    free(ack);
    return NULL;
}

static int record_sample(struct client *c, uint64_t ns)
{
    if (c->nsamples == c->capsamples) {
        if (c->capsamples >= MAX_SAMPLES_PER_CLIENT) return 0; /* keep counting, stop sampling */
        size_t cap = c->capsamples ? c->capsamples * 2 : 4096;
        uint32_t *grown = realloc(c->samples, cap * sizeof *grown);
        if (grown == NULL) return -1;
        c->samples = grown;
        c->capsamples = cap;
    }
    uint64_t us = ns / 1000;
    c->samples[c->nsamples++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    return 0;
}

/* One request/reply round trip; returns 0 on a well-formed ack. */
static int round_trip(int sock, const unsigned char *req, size_t req_len, uint32_t batch)
{
    if (nn_send(sock, req, req_len, 0) != (int)req_len) return -1;
    void *reply = NULL;
    int n = nn_recv(sock, &reply, NN_MSG, 0);
    if (n < 0) return -1;
    int ok = n == (int)(ACK_HEADER + batch) && get_u32(reply) == ACK_MAGIC
             && get_u32((unsigned char *)reply + 4) == batch;
    nn_freemsg(reply);
    return ok ? 0 : -1;
}

static void *client_main(void *arg)
{
    struct client *c = arg;
    const struct options *o = c->opt;
    size_t req_len = 4 + (size_t)o->batch * o->record_bytes;
    unsigned char *req = malloc(req_len);
    int sock = -1;

    if (req == NULL) { c->error = 1; goto ready; }
    put_u32(req, o->batch);
    for (size_t i = 4; i < req_len; i++) req[i] = (unsigned char)('a' + i % 26);

    sock = nn_socket(AF_SP, NN_REQ);
    if (sock < 0) {
        fprintf(stderr, "client nn_socket: %s\n", nn_strerror(nn_errno()));
        c->error = 1;
        goto ready;
    }
    if (set_int_opt(sock, NN_SOL_SOCKET, NN_SNDTIMEO, IO_TIMEOUT_MS, "NN_SNDTIMEO") != 0
        || set_int_opt(sock, NN_SOL_SOCKET, NN_RCVTIMEO, IO_TIMEOUT_MS, "NN_RCVTIMEO") != 0) {
        c->error = 1;
        goto ready;
    }
    if (nn_connect(sock, o->address) < 0) {
        fprintf(stderr, "client nn_connect(%s): %s\n", o->address, nn_strerror(nn_errno()));
        c->error = 1;
        goto ready;
    }
    /* Untimed warm-up request: the connection is up before the window opens. */
    if (round_trip(sock, req, req_len, o->batch) != 0) {
        fprintf(stderr, "client warm-up request failed: %s\n", nn_strerror(nn_errno()));
        c->error = 1;
    }

ready:
    pthread_barrier_wait(&start_barrier); /* warmed up */
    pthread_barrier_wait(&start_barrier); /* window fixed by main */
    if (!c->error) {
        uint64_t end = window_end_ns;
        for (;;) {
            uint64_t t0 = now_ns();
            if (t0 >= end) break;
            if (round_trip(sock, req, req_len, o->batch) != 0) {
                c->failures++;
                continue; /* each attempt is bounded by IO_TIMEOUT_MS */
            }
            uint64_t t1 = now_ns();
            if (t1 > end) break; /* finished after the window: not counted */
            c->requests++;
            if (record_sample(c, t1 - t0) != 0) {
                fprintf(stderr, "client: out of memory\n");
                c->error = 1;
                break;
            }
        }
    }
    if (sock >= 0 && nn_close(sock) != 0)
        fprintf(stderr, "client nn_close: %s\n", nn_strerror(nn_errno()));
    free(req);
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint32_t percentile(const uint32_t *sorted, size_t n, double p)
{
    if (n == 0) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

static void usage(void)
{
    fprintf(stderr,
            "usage: ceiling-reqrep --address ipc:///tmp/x.sock|tcp://127.0.0.1:PORT --batch N\n"
            "                      --record-bytes B --duration-ms D [--connections C]\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){ NULL, 0, 0, 0, 1 };
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (i + 1 >= argc) return -1;
        const char *v = argv[++i];
        if (strcmp(k, "--address") == 0) o->address = v;
        else if (strcmp(k, "--batch") == 0) { if (parse_u32(v, 1, &o->batch)) return -1; }
        else if (strcmp(k, "--record-bytes") == 0) { if (parse_u32(v, 1, &o->record_bytes)) return -1; }
        else if (strcmp(k, "--duration-ms") == 0) { if (parse_u32(v, 1, &o->duration_ms)) return -1; }
        else if (strcmp(k, "--connections") == 0) { if (parse_u32(v, 1, &o->connections)) return -1; }
        else return -1;
    }
    if (o->address == NULL || o->batch == 0 || o->record_bytes == 0 || o->duration_ms == 0) return -1;
    if (o->connections > 256 || o->duration_ms > 3600000
        || (uint64_t)o->batch * o->record_bytes > (1u << 30)) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_args(argc, argv, &o) != 0) { usage(); return 1; }

    /* Hard bound on the whole run, whatever happens inside nanomsg. */
    alarm(o.duration_ms / 1000 + 1 + GRACE_S);

    if (strncmp(o.address, "ipc://", 6) == 0) (void)unlink(o.address + 6); /* stale socket file */

    int rc = 1;
    uint32_t n = o.connections;
    struct server *servers = calloc(n, sizeof *servers);
    struct client *clients = calloc(n, sizeof *clients);
    size_t servers_started = 0, clients_started = 0;
    int barrier_ok = 0;
    int ssock = -1;
    if (servers == NULL || clients == NULL) { fprintf(stderr, "out of memory\n"); goto out; }

    ssock = nn_socket(AF_SP_RAW, NN_REP);
    if (ssock < 0) { fprintf(stderr, "server nn_socket: %s\n", nn_strerror(nn_errno())); goto out; }
    if (set_int_opt(ssock, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1, "NN_RCVMAXSIZE") != 0
        || set_int_opt(ssock, NN_SOL_SOCKET, NN_RCVTIMEO, 100, "NN_RCVTIMEO") != 0
        || set_int_opt(ssock, NN_SOL_SOCKET, NN_SNDTIMEO, IO_TIMEOUT_MS, "NN_SNDTIMEO") != 0)
        goto out;
    if (nn_bind(ssock, o.address) < 0) {
        fprintf(stderr, "server nn_bind(%s): %s\n", o.address, nn_strerror(nn_errno()));
        goto out;
    }
    for (; servers_started < n; servers_started++) {
        servers[servers_started].sock = ssock;
        if (pthread_create(&servers[servers_started].thread, NULL, server_main, &servers[servers_started]) != 0) {
            fprintf(stderr, "pthread_create(server) failed\n");
            goto out;
        }
    }

    if (pthread_barrier_init(&start_barrier, NULL, n + 1) != 0) { fprintf(stderr, "pthread_barrier_init failed\n"); goto out; }
    barrier_ok = 1;
    for (; clients_started < n; clients_started++) {
        clients[clients_started].opt = &o;
        if (pthread_create(&clients[clients_started].thread, NULL, client_main, &clients[clients_started]) != 0) {
            fprintf(stderr, "pthread_create(client) failed\n");
            /* Threads already started wait at the barrier for n + 1 parties: cannot recover. */
            _exit(1);
        }
    }
    /* Two rounds on the barrier: the first opens when every client has warmed up;
     * the window is then fixed and the second round lets the clients start. */
    pthread_barrier_wait(&start_barrier);
    window_start_ns = now_ns();
    window_end_ns = window_start_ns + (uint64_t)o.duration_ms * 1000000u;
    pthread_barrier_wait(&start_barrier);
    rc = 0;

out:
    for (size_t i = 0; i < clients_started; i++)
        if (pthread_join(clients[i].thread, NULL) != 0) rc = 1;
    atomic_store(&stop_servers, 1);
    for (size_t i = 0; i < servers_started; i++)
        if (pthread_join(servers[i].thread, NULL) != 0) rc = 1;
    if (ssock >= 0 && nn_close(ssock) != 0) {
        fprintf(stderr, "server nn_close: %s\n", nn_strerror(nn_errno()));
        rc = 1;
    }
    if (barrier_ok) pthread_barrier_destroy(&start_barrier);

    if (rc == 0) {
        uint64_t requests = 0, failures = 0;
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
            requests += clients[i].requests;
            failures += clients[i].failures;
            total += clients[i].nsamples;
            if (clients[i].error) rc = 1;
        }
        for (size_t i = 0; i < n; i++) failures += servers[i].failures;
        uint32_t *all = total ? malloc(total * sizeof *all) : NULL;
        if (total && all == NULL) { fprintf(stderr, "out of memory\n"); rc = 1; }
        else {
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                memcpy(all + k, clients[i].samples, clients[i].nsamples * sizeof *all);
                k += clients[i].nsamples;
            }
            if (total) qsort(all, total, sizeof *all, cmp_u32);
            /* Only requests completed inside the window count, so divide by its length. */
            double secs = (double)(window_end_ns - window_start_ns) / 1e9;
            printf("{\"records_per_second\":%.0f,\"requests_per_second\":%.0f,\"batch\":%" PRIu32
                   ",\"record_bytes\":%" PRIu32 ",\"connections\":%" PRIu32
                   ",\"p50_us\":%" PRIu32 ",\"p99_us\":%" PRIu32
                   ",\"requests\":%" PRIu64 ",\"failures\":%" PRIu64 ",\"duration_ms\":%" PRIu32
                   ",\"address\":\"%s\"}\n",
                   (double)requests * o.batch / secs, (double)requests / secs, o.batch,
                   o.record_bytes, o.connections, percentile(all, total, 0.50),
                   percentile(all, total, 0.99), requests, failures, o.duration_ms, o.address);
            if (fflush(stdout) != 0) rc = 1;
            if (failures) rc = 1;
        }
        free(all);
    }
    for (size_t i = 0; i < n && clients; i++) free(clients[i].samples);
    free(clients);
    free(servers);
    if (strncmp(o.address, "ipc://", 6) == 0) (void)unlink(o.address + 6);
    return rc;
}
