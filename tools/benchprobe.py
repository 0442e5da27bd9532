"""Time to first answer: how long a starting compd takes to acknowledge its first record (used by tools/bench).

The probe talks to compd with libnanomsg through ctypes (no Swift client in the measured path): a NN_REQ
socket, connected before compd is started, reconnecting every 5 ms, sends one RecordBatch holding one new
failure (frames per proto-spec/PROTOCOL.md). nanomsg holds the request until a connection exists, so the
first Ack arrives as soon as compd serves records: the time from exec to that Ack is the row's value.
"""
import ctypes
import ctypes.util
import os
import struct
import time

AF_SP, NN_REQ, NN_SOL_SOCKET = 1, 48, 0
NN_SNDTIMEO, NN_RCVTIMEO, NN_RECONNECT_IVL, NN_REQ_RESEND_IVL = 4, 5, 6, 1
NN_MSG = ctypes.c_size_t(-1).value
TYPE_RECORD_BATCH, TYPE_ACK, TYPE_ERROR_REPLY = 0x10, 0x11, 0x7F


def _library():
    name = ctypes.util.find_library("nanomsg")
    if name is None:
        raise SystemExit("libnanomsg not found (tools/install-deps installs libnanomsg-dev)")
    lib = ctypes.CDLL(name, use_errno=True)
    lib.nn_recv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    lib.nn_send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    lib.nn_setsockopt.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
    lib.nn_connect.argtypes = [ctypes.c_int, ctypes.c_char_p]
    lib.nn_freemsg.argtypes = [ctypes.c_void_p]
    lib.nn_strerror.restype = ctypes.c_char_p
    return lib


def _name(text):
    data = text.encode()
    return struct.pack(">I", len(data)) + data


def failure_batch(request_id, event_id):
    """A RecordBatch frame with one new failure for a fresh key (section 6.3)."""
    error = _name("RESTART_PROBE") + _name("first record after a restart") + _name("") + b"\x00\x00"
    record = (os.urandom(16) + b"\x01" + _name("restart-probe") + _name("probe") + _name("first-answer")
              + _name(event_id) + struct.pack(">q", int(time.time() * 1000))
              + struct.pack(">HHI", 1, 2, len(error)) + error)
    body = struct.pack(">I", 1) + record + b"\x00\x00"
    return struct.pack(">IBBHI", 8 + len(body), 1, TYPE_RECORD_BATCH, 0, request_id) + body


def time_to_first_ack(address, start, timeout_s=120):
    """Connects to `address`, calls `start()` (which execs compd), and returns (seconds from just before that call
    to the first Ack, the outcome status byte). Raises SystemExit when no Ack comes within `timeout_s`."""
    lib = _library()
    sock = lib.nn_socket(AF_SP, NN_REQ)
    if sock < 0:
        raise SystemExit(f"nn_socket: {lib.nn_strerror(lib.nn_errno()).decode()}")

    def option(level, name, value):
        number = ctypes.c_int(value)
        if lib.nn_setsockopt(sock, level, name, ctypes.byref(number), ctypes.sizeof(number)) != 0:
            raise SystemExit(f"nn_setsockopt({name}): {lib.nn_strerror(lib.nn_errno()).decode()}")

    try:
        option(NN_SOL_SOCKET, NN_RECONNECT_IVL, 5)
        option(NN_SOL_SOCKET, NN_SNDTIMEO, 1000)
        option(NN_SOL_SOCKET, NN_RCVTIMEO, 250)
        option(NN_REQ, NN_REQ_RESEND_IVL, 2000)  # a request lost on a half-open connection is sent again
        if lib.nn_connect(sock, address.encode()) < 0:
            raise SystemExit(f"nn_connect({address}): {lib.nn_strerror(lib.nn_errno()).decode()}")
        frame = failure_batch(1, f"probe-{os.getpid()}-{time.time_ns()}")
        started = time.monotonic()
        process = start()
        if lib.nn_send(sock, frame, len(frame), 0) < 0:
            raise SystemExit(f"nn_send: {lib.nn_strerror(lib.nn_errno()).decode()}")
        deadline = started + timeout_s
        while time.monotonic() < deadline:
            buffer = ctypes.c_void_p()
            size = lib.nn_recv(sock, ctypes.byref(buffer), NN_MSG, 0)
            if size < 0:
                if process is not None and process.poll() is not None:
                    raise SystemExit(f"compd exited ({process.returncode}) before answering")
                continue  # receive timeout: the request is still pending on the socket
            answered = time.monotonic() - started
            reply = ctypes.string_at(buffer, size)
            lib.nn_freemsg(buffer)
            if size >= 17 and reply[5] == TYPE_ACK and struct.unpack(">I", reply[12:16])[0] == 1:
                return answered, reply[16]
            if size >= 12 and reply[5] == TYPE_ERROR_REPLY:
                # Not serving yet (or refusing): ask again until the deadline.
                time.sleep(0.005)
                if lib.nn_send(sock, frame, len(frame), 0) < 0:
                    raise SystemExit(f"nn_send: {lib.nn_strerror(lib.nn_errno()).decode()}")
                continue
            raise SystemExit(f"unexpected reply to the probe: {reply[:32].hex()}")
        raise SystemExit(f"no Ack from {address} within {timeout_s} s")
    finally:
        lib.nn_close(sock)
