"""Streamed replies under load (`python -m bench.replies`, the last part of `make bench`).

1. Many replies streamed at once through one `parley serve` by real HTTP clients (openReply,
   appendReply, finishReply), each watched by a real websocket client (`replyChunks`): the time
   from each piece's POST to its watcher, every piece checked to arrive once and in order, and the
   database's write transactions and rows per reply.
2. The built-in engine inside one `parley serve` answering many visitors at once, the fake
   provider streaming at a model's pace: the time from each piece's send to the visitor's socket,
   every piece checked, and the write transactions per reply, the turn's own included.
3. The built-in engine apart (`parley engine`) against a fake provider in its own process: the
   engine process's CPU per turn beyond its idle rate, at two reply sizes.
4. The engine holding a turn killed with SIGKILL mid-reply: how long until the watcher and the
   database see the turn ended, and that the visitor's message got one reply.
"""
