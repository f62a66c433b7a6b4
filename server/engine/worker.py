"""The engine's loop: claim a turn, answer it, and again; in `parley serve` (PARLEY_ENGINE) or
apart as `parley engine`.

A turn is claimed exactly once across processes (resolvers/turns.py) and answered by streaming
the model's reply through this process's reply board, so watchers see it grow; its lease is
renewed while the model writes. A turn whose provider fails (after the client's retries) ends
with its reply FAILED, which the visitor sees with a way to ask again; a turn whose process died
is failed by the next engine to look once its lease runs out. The loop wakes when a turn is
queued (a notice sent only then: writes that queue none cost the engine nothing) and looks every
`poll_seconds` besides, when it also fails the turns whose lease ran out.

An engine with no provider configured (neither OPENAI_BASE_URL nor OPENAI_API_KEY) still claims
the turns and ends each at once: its reply FAILED and the turn's error saying why (NO_PROVIDER),
without asking anyone. The record stays honest (the visitor wrote, an answer was due, it could
not be given, and why), the visitor's widget says so at once instead of waiting, and the turns
are not left waiting for an engine that cannot answer them; asking again (`retryReply`) once a
provider is configured answers.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any

from models import Assistant, Message, Variable
from models.enums import (
    ApiKeyScope,
    Handling,
    MessageRole,
    MessageState,
    TurnKind,
    TurnState,
    VariableSource,
)
from resolvers.callers.caller import Caller, CallerKind
from resolvers.errors import Conflict, ParleyError
from resolvers.extraction import record_extraction
from resolvers.functioncalls import FunctionCall
from resolvers.handover import request_person
from resolvers.ids import encode_id
from resolvers.limits.bounds import Bounds
from resolvers.replies import FinishRequest, OpenRequest, finish_reply, open_reply
from resolvers.turns import (
    Claimed,
    claim_turn,
    end_turn,
    expired_replies,
    fail_expired_turns,
    renew_turn,
    turn_reply,
)
from resolvers.usage import ReplyUsage
from resolvers.webhook import WebhookSettings
from server.engine import extraction, functions, model, prompt
from server.engine.settings import EngineSettings
from server.webhooks.outbound import Outbound
from subscriptions.live import Live

logger = logging.getLogger("parley.engine")
NO_PROVIDER = "no model provider is configured (OPENAI_BASE_URL or OPENAI_API_KEY)"
"""The error of a turn an engine without a provider ended."""


class Engine:
    def __init__(
        self, settings: EngineSettings, bounds: Bounds, live: Live, webhooks: WebhookSettings
    ) -> None:
        self._settings = settings
        self._bounds = bounds
        self._live = live
        self.worker = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._provider = model.client(
            settings.base_url, settings.api_key, settings.retries, settings.stall_seconds
        )
        # Functions are called as webhooks are sent, with their rules for addresses.
        self._outbound = Outbound(
            replace(webhooks, max_response_bytes=functions.MAX_RESULT_CHARACTERS, max_redirects=0)
        )
        self._lease = timedelta(seconds=settings.lease_seconds)
        self._wake = asyncio.Event()
        self._answering: set[asyncio.Task[None]] = set()
        self._full = False
        """Claiming stopped at the concurrency limit: a turn ending frees a slot to fill."""
        self._waiting: set[int] = set()
        """Turns that ended with another turn of their conversation waiting."""
        self._loop: asyncio.Task[None] | None = None
        self._unlisten = live.add_turn_listener(self._wake.set)
        self._swept = 0.0

    def start(self) -> None:
        if not self._settings.configured:
            logger.warning("%s: the replies of assistants with a model fail at once", NO_PROVIDER)
        self._loop = asyncio.create_task(self._run(), name="engine")

    async def stop(self) -> None:
        """Stops claiming, cancels the turns in flight (their replies end FAILED) and closes
        the provider's connections."""
        self._unlisten()
        if self._loop is not None:
            self._loop.cancel()
            with suppress(asyncio.CancelledError):
                await self._loop
        for task in list(self._answering):
            task.cancel()
        await asyncio.gather(*self._answering, return_exceptions=True)
        await self._provider.close()
        await self._outbound.close()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                if time.monotonic() - self._swept >= self._settings.poll_seconds:
                    self._swept = time.monotonic()
                    await self._fail_expired()
                self._full = True
                while len(self._answering) < self._settings.concurrency:
                    turn = await claim_turn(self.worker, self._lease)
                    if turn is None:
                        self._full = False
                        break
                    task = asyncio.create_task(self._answer(turn), name=f"turn-{turn.id}")
                    self._answering.add(task)
                    task.add_done_callback(partial(self._done, turn.id))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("claiming turns failed; trying again")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)

    async def _fail_expired(self) -> None:
        """Fails the turns of processes that died, keeping what this one heard of their
        replies (pieces reach every process; their checkpoint may be older)."""
        texts = {}
        for reply in await expired_replies():
            held = self._live.replies.text_of(reply)
            if held is not None:
                texts[reply] = held[0]
        await fail_expired_turns(texts)

    def _done(self, turn_id: int, task: asyncio.Task[None]) -> None:
        """Looks for turns again once this one is over (committed) if one of its conversation
        waits, or claiming had stopped at the limit, or it ended otherwise than it should."""
        self._answering.discard(task)
        waiting = turn_id in self._waiting
        self._waiting.discard(turn_id)
        if waiting or self._full or task.cancelled() or task.exception() is not None:
            self._wake.set()

    async def _end_turn(self, turn: Claimed, state: TurnState, error: str | None = None) -> None:
        if await end_turn(turn.id, self.worker, state, error):
            self._waiting.add(turn.id)

    async def _answer(self, turn: Claimed) -> None:
        renewing = asyncio.create_task(self._renew(turn))
        try:
            await self._write(turn)
        except asyncio.CancelledError:
            await asyncio.shield(self._failed(turn, "the engine stopped"))
            raise
        except Conflict as refused:  # a person took the conversation over meanwhile
            logger.info("turn %d ended: %s", turn.id, refused.message)
            await self._end_turn(turn, TurnState.DONE, refused.message)
        except Exception as error:
            logger.exception("turn %d failed", turn.id)
            await self._failed(turn, f"the engine failed ({type(error).__name__})")
        finally:
            renewing.cancel()

    async def _renew(self, turn: Claimed) -> None:
        while True:
            await asyncio.sleep(self._settings.lease_seconds / 3)
            if not await renew_turn(turn.id, self.worker, self._lease):
                return

    async def _write(self, turn: Claimed) -> None:
        assistant = await Assistant.get(id=turn.assistant_id)
        if assistant.model is None:  # its model was taken away since: an engine of one's own
            await self._end_turn(turn, TurnState.DONE)
            return
        if turn.kind is TurnKind.REPLY and turn.handling is not Handling.ASSISTANT:
            await self._end_turn(turn, TurnState.DONE)  # a person handles it now
            return
        history = await Message.filter(conversation_id=turn.conversation_id).order_by("sequence")
        if turn.kind is TurnKind.EXTRACT:
            await self._extract(turn, assistant, history)
            return
        caller = _engine_caller(turn.workspace_id)
        # The conversation so far: messages the visitor wrote since this turn's are answered by
        # the same reply.
        said = [message.sequence for message in history if message.role is MessageRole.USER]
        last = max(said, default=turn.answers)
        request = await self._request(assistant, history, turn.conversation_id)

        async def linked(reply: Message) -> None:
            await turn_reply(turn, reply.id, last)

        reply, _ = await open_reply(
            caller, OpenRequest(turn.conversation_id, f"engine-{turn.id}-{turn.attempt}"), linked
        )
        if not self._settings.configured:
            await self._end(turn, reply, MessageState.FAILED, _Spent(), NO_PROVIDER)
            return
        board = self._live.replies
        board.seed(reply, turn.workspace_id)  # it holds what the row holds: nothing to read
        length = 0

        async def written(text: str) -> None:
            nonlocal length
            length = await board.append(turn.workspace_id, reply.id, length, text, self._bounds)

        spent = _Spent()
        try:
            await self._converse(turn, assistant, request, written, spent)
        except model.ModelFailedError as why:
            logger.warning("turn %d: %s", turn.id, why)
            await self._end(turn, reply, MessageState.FAILED, spent, str(why))
            return
        if spent.handover and length == 0:
            await written(functions.HANDOVER_TEXT)
            length = len(functions.HANDOVER_TEXT)
        if length == 0:
            await self._end(turn, reply, MessageState.FAILED, spent, "the model wrote no text")
            return
        await self._end(turn, reply, MessageState.COMPLETE, spent)
        if spent.handover:  # after its reply: asking for a person silences the assistant
            await request_person(caller, turn.conversation_id)

    async def _request(
        self, assistant: Assistant, history: Sequence[Message], conversation_id: int
    ) -> dict[str, Any]:
        """The Chat Completions request of a reply: the prompt and the assistant's settings."""
        answers = await Variable.filter(
            conversation_id=conversation_id, source=VariableSource.PRE_CHAT_FORM
        ).order_by("name")
        messages = prompt.messages(assistant, answers, history, self._settings.context_tokens)
        request: dict[str, Any] = {"model": assistant.model, "messages": messages}
        if assistant.temperature is not None:
            request["temperature"] = assistant.temperature
        if assistant.max_reply_tokens is not None:
            request["max_completion_tokens"] = assistant.max_reply_tokens
        if offered := functions.tools(assistant.functions, assistant.offers_handover):
            request["tools"] = offered
        return request

    async def _converse(
        self,
        turn: Claimed,
        assistant: Assistant,
        request: dict[str, Any],
        written: Callable[[str], Awaitable[None]],
        spent: "_Spent",
    ) -> None:
        """The model's rounds: it may call the assistant's functions, a bounded number of
        rounds, their answers going back to it, and writes on; what it spent is kept in
        `spent` as it goes (a later round may fail)."""
        provider = assistant.provider or "openai"
        for round_ in range(functions.MAX_ROUNDS + 1):
            last = round_ == functions.MAX_ROUNDS
            if last and "tools" in request:
                request["tool_choice"] = "none"  # enough calls: it answers now
            result = await model.stream(self._provider, request, provider, written)
            spent.usage = _together(spent.usage, result.usage)
            if not result.calls or last:
                return
            if assistant.offers_handover and any(
                called.name == functions.HANDOVER for called in result.calls
            ):
                spent.made.append(functions.handed_over(result.calls))
                spent.handover = True
                return
            request["messages"].append(functions.asked(result.calls, result.text))
            for called in result.calls:
                answer = await functions.call(
                    self._outbound, assistant.functions, called, conversation_global_id(turn)
                )
                spent.made.append(answer)
                request["messages"].append(functions.answered(called, answer))

    async def _extract(
        self, turn: Claimed, assistant: Assistant, history: Sequence[Message]
    ) -> None:
        """Asks the model for the ended conversation's variables and records them."""

        async def ignored(_text: str) -> None:
            return None

        if not self._settings.configured:
            await self._end_turn(turn, TurnState.FAILED, NO_PROVIDER)
            return
        request = extraction.request(assistant, history, self._settings.context_tokens)
        try:
            result = await model.stream(
                self._provider, request, assistant.provider or "openai", ignored
            )
        except model.ModelFailedError as why:
            logger.warning("turn %d (extraction): %s", turn.id, why)
            await self._end_turn(turn, TurnState.FAILED, str(why))
            return
        await record_extraction(
            turn.workspace_id,
            turn.conversation_id,
            extraction.values(result),
            result.usage,
            self._bounds,
        )
        await self._end_turn(turn, TurnState.DONE)

    async def _end(
        self,
        turn: Claimed,
        reply: Message,
        state: MessageState,
        spent: "_Spent",
        error: str | None = None,
    ) -> None:
        """Ends the reply and, in the same transaction, the turn: DONE with a COMPLETE reply,
        FAILED (with `error`) otherwise."""
        held = self._live.replies.text_of(reply.id)
        text, first = held if held is not None else ("", None)
        request = FinishRequest(
            message_id=reply.id,
            text=text,
            state=state,
            usage=spent.usage,
            first_token_at=first,
            function_calls=spent.made,
        )
        done = TurnState.DONE if state is MessageState.COMPLETE else TurnState.FAILED

        async def ended_too(_reply: Message) -> None:
            await self._end_turn(turn, done, error)

        ended, _ = await finish_reply(
            _engine_caller(turn.workspace_id), request, self._bounds, ended_too
        )
        self._live.replies.ended(ended)

    async def _failed(self, turn: Claimed, why: str) -> None:
        """Ends a turn that could not be answered, and its reply if it had one."""
        with suppress(ParleyError):
            found = await Message.get_or_none(client_message_id=f"engine-{turn.id}-{turn.attempt}")
            if found is not None and found.state is MessageState.STREAMING:
                await self._end(turn, found, MessageState.FAILED, _Spent(), why)
                return
        await self._end_turn(turn, TurnState.FAILED, why)


@dataclass
class _Spent:
    """What a turn's rounds spent: their usage and the functions called."""

    usage: ReplyUsage | None = None
    made: list[FunctionCall] = field(default_factory=list)
    handover: bool = False
    """The model asked for a person."""


def _together(first: ReplyUsage | None, then: ReplyUsage | None) -> ReplyUsage | None:
    """A turn's usage over its rounds (each a request of its own)."""
    if first is None or then is None:
        return first or then
    return replace(
        then,
        input_tokens=first.input_tokens + then.input_tokens,
        output_tokens=first.output_tokens + then.output_tokens,
        cached_input_tokens=first.cached_input_tokens + then.cached_input_tokens,
    )


def conversation_global_id(turn: Claimed) -> str:
    """The conversation's opaque ID, as a function is told it."""
    return encode_id("Conversation", turn.conversation_id)


def _engine_caller(workspace_id: int) -> Caller:
    """The engine writes as a secret key of the conversation's workspace would."""
    return Caller(workspace_id, CallerKind.SECRET, frozenset({ApiKeyScope.WRITE}))
