#!/usr/bin/env python3
"""A WebSocket session from a real library (websockets, Debian's
python3-websockets) on both ends, for tests/websocket_messages.rs: an echo
server on 127.0.0.1 whose port is printed first; after a line on standard
input a client connects (permessage-deflate, which both ends offer and
agree on by default, with context takeover) and:

  sends "hello"                                  echoed
  sends a text message in three fragments        echoed (one frame)
  asks for fragments                             the server answers in three
  pings with "are you there"                     the server's pong
  sends 100 KB of text that compresses well      echoed
  sends 100 KB of binary that does not           echoed
  sends "hello" again (deflated with the context of all before)
  closes with 1000 "done"                        the server's close

It prints, as JSON, the agreed extensions and every message as the ends
saw them: direction, type, length, text, close code.
"""
import asyncio, json, random, sys

import websockets


async def echo(ws, *_path):
    async for m in ws:
        if m == "fragments please":
            await ws.send(["server ", "in ", "three parts"])
        else:
            await ws.send(m)


def entry(d, m):
    if isinstance(m, str):
        return {"dir": d, "type": "text", "length": len(m.encode()), "text": m}
    return {"dir": d, "type": "binary", "length": len(m), "text": None}


async def main():
    server = await websockets.serve(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    rng = random.Random(6455)
    text = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(20000))[:100_000]
    binary = bytes(rng.getrandbits(8) for _ in range(100_000))
    log = []
    async with websockets.connect("ws://127.0.0.1:%d/feed?topic=ticks" % port) as ws:
        extensions = ws.response_headers.get("Sec-WebSocket-Extensions")

        async def roundtrip(message, send=None):
            await ws.send(send if send is not None else message)
            log.append(entry("c2s", message))
            log.append(entry("s2c", await ws.recv()))

        await roundtrip("hello")
        await roundtrip("one two three", ["one ", "two ", "three"])
        await roundtrip("fragments please")
        pong = await ws.ping(b"are you there")
        await pong
        log.append({"dir": "c2s", "type": "ping", "length": 13, "text": None})
        log.append({"dir": "s2c", "type": "pong", "length": 13, "text": None})
        await roundtrip(text)
        await roundtrip(binary)
        await roundtrip("hello")
        await ws.close(1000, "done")
        log.append({"dir": "c2s", "type": "close", "length": 6, "text": None, "close_code": 1000})
        log.append({"dir": "s2c", "type": "close", "length": 6, "text": None, "close_code": 1000})
    server.close()
    await server.wait_closed()
    print(json.dumps({"extensions": extensions, "messages": log}), flush=True)


asyncio.run(main())
