#!/usr/bin/env python3
"""gRPC calls from a real stack (grpcio, Debian's python3-grpcio) for
tests/grpc_calls.rs: a server on 127.0.0.1 whose port is printed first;
after a line on standard input, a client makes each kind of call on one
channel and prints, as JSON, what it sent and got:

  Unary          one message each way
  ServerStream   one message, three back
  ClientStream   five messages, one back
  Bidi           four messages, each echoed
  Fail           one message, status NOT_FOUND with a message, no reply
  Slow           one message, a 100 ms deadline the server overruns

No protobuf: messages are raw bytes, as gRPC carries them.
"""
import json, sys, time
from concurrent import futures

import grpc


def unary(req, ctx):
    return req[::-1]


def server_stream(req, ctx):
    for i in range(3):
        time.sleep(0.02)
        yield b"part %d of %s" % (i, req)


def client_stream(it, ctx):
    return b"%d bytes" % sum(len(m) for m in it)


def bidi(it, ctx):
    for m in it:
        yield m.upper()


def fail(req, ctx):
    ctx.abort(grpc.StatusCode.NOT_FOUND, "no such item: 42")


def slow(req, ctx):
    time.sleep(0.5)
    return b"too late"


handlers = {
    "Unary": grpc.unary_unary_rpc_method_handler(unary),
    "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
    "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
    "Bidi": grpc.stream_stream_rpc_method_handler(bidi),
    "Fail": grpc.unary_unary_rpc_method_handler(fail),
    "Slow": grpc.unary_unary_rpc_method_handler(slow),
}
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("demo.Echo", handlers),))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
sys.stdin.readline()

channel = grpc.insecure_channel("127.0.0.1:%d" % port)
grpc.channel_ready_future(channel).result(timeout=10)
calls = []


def call(method, kind, sent, timeout=None):
    path = "/demo.Echo/" + method
    stub = getattr(channel, kind)(path)
    got, code, message = [], 0, None
    try:
        if kind == "unary_unary":
            got = [stub(sent[0], timeout=timeout)]
        elif kind == "unary_stream":
            got = list(stub(sent[0], timeout=timeout))
        elif kind == "stream_unary":
            got = [stub(iter(sent), timeout=timeout)]
        else:
            got = list(stub(iter(sent), timeout=timeout))
    except grpc.RpcError as e:
        code, message = e.code().value[0], e.details()
    calls.append({"path": path, "sent": len(sent), "received": len(got),
                  "status": code, "message": message, "timeout": timeout})


call("Unary", "unary_unary", [b"hello"])
call("ServerStream", "unary_stream", [b"feed"])
call("ClientStream", "stream_unary", [b"x" * n for n in (1, 10, 100, 1000, 10000)])
call("Bidi", "stream_stream", [b"one", b"two", b"three", b"four"])
call("Fail", "unary_unary", [b"42"])
call("Slow", "unary_unary", [b"wait"], timeout=0.1)
time.sleep(0.6)
channel.close()
server.stop(0)
print(json.dumps(calls), flush=True)
