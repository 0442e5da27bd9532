#ifndef COMP_CNANOMSG_SHIM_H
#define COMP_CNANOMSG_SHIM_H
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/tcp.h>
#include <nanomsg/ipc.h>

/* Swift does not import these macros (they are expressions); re-export them as constants. */
static const int comp_nn_req = NN_REQ;
static const int comp_nn_rep = NN_REP;
static const int comp_nn_pub = NN_PUB;
static const int comp_nn_sub = NN_SUB;
static const int comp_nn_push = NN_PUSH;
static const int comp_nn_pull = NN_PULL;
static const int comp_nn_proto_sp = PROTO_SP;
static const int comp_nn_sp_hdr = SP_HDR;
static const int comp_nn_sub_subscribe = NN_SUB_SUBSCRIBE;
static const int comp_nn_req_resend_ivl = NN_REQ_RESEND_IVL;
static const int comp_nn_tcp_nodelay = NN_TCP_NODELAY;

/* NN_MSG is (size_t) -1; as a constant Swift imports it as an overflowing Int literal, so it is
   returned by a function instead (Swift sees -1, the same bits). */
static inline size_t comp_nn_msg(void) { return NN_MSG; }

/* The ancillary-data (cmsg) macros are expressions Swift cannot import. These wrappers keep the
   exact layout nanomsg uses: an nn_cmsghdr, padded to size_t alignment, then the data. */
static inline size_t comp_nn_cmsg_space(size_t len) { return NN_CMSG_SPACE(len); }
static inline size_t comp_nn_cmsg_len(size_t len) { return NN_CMSG_LEN(len); }
static inline unsigned char *comp_nn_cmsg_data(struct nn_cmsghdr *cmsg) { return NN_CMSG_DATA(cmsg); }
static inline struct nn_cmsghdr *comp_nn_cmsg_firsthdr(struct nn_msghdr *mhdr) {
    return NN_CMSG_FIRSTHDR(mhdr);
}
static inline struct nn_cmsghdr *comp_nn_cmsg_nxthdr(struct nn_msghdr *mhdr, struct nn_cmsghdr *cmsg) {
    return NN_CMSG_NXTHDR(mhdr, cmsg);
}
#endif
