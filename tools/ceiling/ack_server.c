/*
 * ceiling-ackserver: a broker that acknowledges without storing, for the benchmark row
 * "load generator alone".
 *
 * It speaks compd's frames (proto-spec/PROTOCOL.md, sections 2 and 6) on a raw NN_REP socket, so
 * `compctl load` runs against it unchanged, and answers:
 *   Hello (0x01)       -> HelloReply: 1 MiB frame limit, 1000 records per batch;
 *   Heartbeat (0x03)   -> HeartbeatReply with the server's clock;
 *   RecordBatch (0x10) -> Ack with one `accepted` outcome per record (a fresh execution id each),
 *                         read from the batch's record count only: no decoding, no storage;
 *   anything else      -> ErrorReply unknown_message_type (4).
 * A frame whose length prefix does not match the message, or a batch with more than 1000 records,
 * gets ErrorReply malformed_frame (1) / limit_exceeded (2).
 *
 * What compctl reaches against it is what the load generator can drive on this machine: the
 * broker's rows are meaningful only below it.
 *
 * Threads: T workers share the raw socket (nanomsg sockets are thread safe); raw mode hands each
 * request's routing header to us as control data, and sending it back routes the reply.
 * Runs until SIGTERM or SIGINT, then prints one JSON line: {"batches":B,"records":R}.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
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

#define MAX_BATCH_RECORDS 1000u
#define FRAME_LIMIT (1u << 20)
#define OUTCOME_BYTES 13u /* status u8, code u16, executionId i64, empty tags u16 */

enum { T_HELLO = 0x01, T_HELLO_REPLY = 0x02, T_HEARTBEAT = 0x03, T_HEARTBEAT_REPLY = 0x04,
       T_RECORD_BATCH = 0x10, T_ACK = 0x11, T_ERROR_REPLY = 0x7f };
enum { E_MALFORMED_FRAME = 1, E_LIMIT_EXCEEDED = 2, E_UNKNOWN_MESSAGE_TYPE = 4 };

static volatile sig_atomic_t stop_requested;
static atomic_uint_fast64_t batches, records, next_execution = 1;

static void on_signal(int signo) { (void)signo; stop_requested = 1; }

static void put_u16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (24 - 8 * i));
}
static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (56 - 8 * i));
}
static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes the 12-byte frame header for a body of `body` bytes. */
static void header(unsigned char *out, uint8_t type, uint32_t request_id, size_t body)
{
    put_u32(out, (uint32_t)(8 + body));
    out[4] = 1;
    out[5] = type;
    put_u16(out + 6, 0);
    put_u32(out + 8, request_id);
}

/* ErrorReply: u16 code, text message, empty tags. */
static size_t error_reply(unsigned char *out, uint32_t request_id, uint16_t code, const char *message)
{
    size_t n = strlen(message);
    header(out, T_ERROR_REPLY, request_id, 2 + 4 + n + 2);
    put_u16(out + 12, code);
    put_u32(out + 14, (uint32_t)n);
    memcpy(out + 18, message, n);
    put_u16(out + 18 + n, 0);
    return 18 + n + 2;
}

/* Builds the reply to one request frame into `out` (room for the largest Ack); returns its size. */
static size_t answer(const unsigned char *in, size_t n, unsigned char *out)
{
    if (n < 12) return error_reply(out, 0, E_MALFORMED_FRAME, "frame shorter than its header");
    uint32_t request_id = get_u32(in + 8);
    if (get_u32(in) != n - 4 || in[4] != 1)
        return error_reply(out, request_id, E_MALFORMED_FRAME, "length prefix or version does not match");
    switch (in[5]) {
    case T_HELLO: {
        static const char name[] = "ceiling-ackserver";
        size_t len = sizeof name - 1, body = 4 + len + 4 + 4 + 4 + 8 + 2;
        header(out, T_HELLO_REPLY, request_id, body);
        unsigned char *p = out + 12;
        put_u32(p, (uint32_t)len); memcpy(p + 4, name, len); p += 4 + len;
        put_u32(p, FRAME_LIMIT); put_u32(p + 4, MAX_BATCH_RECORDS); put_u32(p + 8, 10000);
        put_u64(p + 12, (uint64_t)wall_ms()); put_u16(p + 20, 0);
        return 12 + body;
    }
    case T_HEARTBEAT:
        header(out, T_HEARTBEAT_REPLY, request_id, 10);
        put_u64(out + 12, (uint64_t)wall_ms());
        put_u16(out + 20, 0);
        return 22;
    case T_RECORD_BATCH: {
        if (n < 16) return error_reply(out, request_id, E_MALFORMED_FRAME, "record batch without a count");
        uint32_t count = get_u32(in + 12);
        if (count > MAX_BATCH_RECORDS) return error_reply(out, request_id, E_LIMIT_EXCEEDED, "more than 1000 records");
        size_t body = 4 + (size_t)count * OUTCOME_BYTES + 2;
        header(out, T_ACK, request_id, body);
        put_u32(out + 12, count);
        uint64_t first = atomic_fetch_add(&next_execution, count);
        unsigned char *p = out + 16;
        for (uint32_t i = 0; i < count; i++, p += OUTCOME_BYTES) {
            p[0] = 0;                 /* accepted */
            put_u16(p + 1, 0);        /* no error code */
            put_u64(p + 3, first + i);
            put_u16(p + 11, 0);       /* empty tags */
        }
        put_u16(p, 0);
        atomic_fetch_add(&batches, 1);
        atomic_fetch_add(&records, count);
        return 12 + body;
    }
    default: {
        char message[32];
        snprintf(message, sizeof message, "message type 0x%02x", in[5]);
        return error_reply(out, request_id, E_UNKNOWN_MESSAGE_TYPE, message);
    }
    }
}

static void *worker(void *arg)
{
    int sock = *(int *)arg;
    unsigned char *out = malloc(16 + MAX_BATCH_RECORDS * OUTCOME_BYTES + 64);
    if (out == NULL) { fprintf(stderr, "ceiling-ackserver: out of memory\n"); stop_requested = 1; return NULL; }
    while (!stop_requested) {
        void *body = NULL, *control = NULL;
        struct nn_iovec iov = { &body, NN_MSG };
        struct nn_msghdr hdr = { &iov, 1, &control, NN_MSG };
        int n = nn_recvmsg(sock, &hdr, 0);
        if (n < 0) {
            int e = nn_errno();
            if (e == ETIMEDOUT || e == EAGAIN || e == EINTR) continue;
            if (e != ETERM && e != EBADF) fprintf(stderr, "ceiling-ackserver: nn_recvmsg: %s\n", nn_strerror(e));
            break;
        }
        size_t len = answer(body, (size_t)n, out);
        nn_freemsg(body);
        struct nn_iovec out_iov = { out, len };
        struct nn_msghdr reply = { &out_iov, 1, &control, NN_MSG };
        if (nn_sendmsg(sock, &reply, 0) < 0) { /* on success, control is consumed */
            int e = nn_errno();
            nn_freemsg(control);
            if (e == ETIMEDOUT || e == EAGAIN || e == EINTR) continue;
            if (e != ETERM && e != EBADF) fprintf(stderr, "ceiling-ackserver: nn_sendmsg: %s\n", nn_strerror(e));
            break;
        }
    }
    free(out);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *address = NULL;
    uint32_t threads = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--address") == 0) address = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0 && parse_u32(argv[i + 1], 1, &threads) == 0 && threads <= 64) {}
        else { address = NULL; break; }
    }
    if (address == NULL || argc % 2 == 0) {
        fprintf(stderr, "usage: ceiling-ackserver --address ipc:///tmp/x.sock|tcp://127.0.0.1:PORT [--threads 1..64]\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    if (strncmp(address, "ipc://", 6) == 0) (void)unlink(address + 6); /* stale socket file */
    int sock = nn_socket(AF_SP_RAW, NN_REP);
    if (sock < 0) { fprintf(stderr, "ceiling-ackserver: nn_socket: %s\n", nn_strerror(nn_errno())); return 1; }
    int max_size = -1, timeout = 100, send_timeout = 1000;
    if (nn_setsockopt(sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max_size, sizeof max_size) != 0
        || nn_setsockopt(sock, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof timeout) != 0
        || nn_setsockopt(sock, NN_SOL_SOCKET, NN_SNDTIMEO, &send_timeout, sizeof send_timeout) != 0) {
        fprintf(stderr, "ceiling-ackserver: nn_setsockopt: %s\n", nn_strerror(nn_errno()));
        return 1;
    }
    if (nn_bind(sock, address) < 0) {
        fprintf(stderr, "ceiling-ackserver: nn_bind(%s): %s\n", address, nn_strerror(nn_errno()));
        return 1;
    }
    pthread_t ids[64];
    uint32_t started = 0;
    for (; started < threads; started++)
        if (pthread_create(&ids[started], NULL, worker, &sock) != 0) {
            fprintf(stderr, "ceiling-ackserver: pthread_create failed\n");
            stop_requested = 1;
            break;
        }
    for (uint32_t i = 0; i < started; i++) pthread_join(ids[i], NULL);
    nn_close(sock);
    if (strncmp(address, "ipc://", 6) == 0) (void)unlink(address + 6);
    printf("{\"batches\":%" PRIuFAST64 ",\"records\":%" PRIuFAST64 "}\n", atomic_load(&batches), atomic_load(&records));
    return started == threads ? 0 : 1;
}
