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
static const int comp_nn_proto_sp = NN_PROTO_SP;
static const int comp_nn_sp_hdr = NN_SP_HDR;
static const int comp_nn_sub_subscribe = NN_SUB_SUBSCRIBE;
static const int comp_nn_req_resend_ivl = NN_REQ_RESEND_IVL;
static const int comp_nn_tcp_nodelay = NN_TCP_NODELAY;
#endif
