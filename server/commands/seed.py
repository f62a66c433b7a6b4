"""`parley seed-demo`: a demo workspace whose conversations read like a month of real support.

Content comes from a seeded `random.Random`, so it reads the same on every run; only the times move,
as they are placed over the 30 days before now. Everything is written through `record_conversation`
inside one transaction, so a failed run leaves no half-seeded demo behind for `--if-empty` to find.
"""

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from models import Assistant, Workspace
from models.enums import (
    ApiKeyKind,
    ConversationMode,
    ConversationType,
    MessageRole,
    VariableSource,
    VariableType,
)
from resolvers.apikey import create_api_key
from resolvers.events.log import change
from resolvers.imports import (
    ConversationRecord,
    MessageRecord,
    ReplyUsage,
    VariableRecord,
    Visit,
    record_conversation,
)
from resolvers.workspace import create_workspace
from server.database import open_database
from server.settings import PROJECT_ROOT, Settings

DEMO_WORKSPACE = "Parley demo"
DEMO_KEY_FILE = PROJECT_ROOT / "var" / "demo-key"
"""Only the key's hash is stored, so the key is kept here for `make run` to show again."""
DEMO_WIDGET_KEY_FILE = PROJECT_ROOT / "var" / "demo-widget-key"
"""The demo assistant's widget key, which `/widget/demo` embeds (a widget key is public)."""
PORT = 8000
"""Where `parley serve` listens unless told otherwise (`make run` passes PORT to both commands)."""
CONVERSATIONS = 50
GRAPHQL_URL = f"http://127.0.0.1:{PORT}/graphql"


def demo_origins(port: int = PORT) -> list[str]:
    """Where the demo assistant's widget may run: Acme's site, and /widget/demo as `parley serve
    --port PORT` serves it on this machine."""
    return ["https://acme.example", f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


_SYSTEM_PROMPT_TOKENS = 1150

PRE_CHAT_FORM: list[dict[str, Any]] = [
    {"name": "name", "label": "Your name", "type": "TEXT", "required": True},
    {"name": "email", "label": "Email", "type": "EMAIL", "required": True},
    {
        "name": "plan",
        "label": "Your plan",
        "type": "SELECT",
        "required": False,
        "options": ["Free", "Pro", "Business"],
    },
]
EXTRACTED: list[dict[str, Any]] = [
    {"name": "order_number", "type": "TEXT", "description": "The order the visitor asks about."},
    {"name": "intent", "type": "TEXT", "description": "Why the visitor got in touch."},
    {"name": "satisfied", "type": "BOOLEAN", "description": "Whether the issue was resolved."},
]

# intent → what the visitor says and the assistant replies, alternately; {first}, {email}, {plan}
# and {order} are filled in per conversation.
SCENARIOS: dict[str, tuple[str, ...]] = {
    "order_status": (
        "Hi, where is my order {order}?",
        "Hi {first}! Order {order} left our warehouse yesterday; DHL expects to deliver Thursday.",
        "Can it go to my office instead?",
        "Once a parcel has shipped I can't change its address, but DHL can redirect it for you.",
        "OK, where do I do that?",
        'At https://acme.example/track/{order}: choose "Deliver elsewhere" and enter the address.',
        "Perfect, thanks!",
        "You're welcome! Anything else I can help with?",
    ),
    "refund": (
        "I'd like a refund for order {order}, the blender arrived broken.",
        "I'm sorry to hear that! Could you attach a photo of the damage here?",
        "Sent. The jug is cracked.",
        "Thanks, I can see it. Your refund for {order} reaches your card in 3–5 business days.",
        "Do I need to send it back?",
        "No need, please recycle it. A confirmation is on its way to {email}.",
    ),
    "billing": (
        "Why was I charged twice this month?",
        "I see your {plan} renewal and a prorated charge for a seat added on the 12th.",
        "I didn't add a seat.",
        "Another admin on your account did. I can remove it and refund the prorated amount.",
        "Please do.",
        "Done: the seat is removed and refunded. Your next invoice shows the {plan} plan only.",
    ),
    "login": (
        "I can't log in, it says my password is wrong.",
        "Sorry about that! I can send a reset link to {email}. Shall I?",
        "Yes please.",
        "Sent. The link works for 30 minutes; check your spam folder if it doesn't show up.",
        "Got it, I'm in. Thanks!",
        "Glad to hear it! You can turn on two-factor sign-in under Settings → Security.",
    ),
    "upgrade": (
        "What's the difference between Pro and Business?",
        "Business adds SSO, audit logs and priority support, and allows 100 seats instead of 10.",
        "How much is Business per seat?",
        "$24 per seat per month billed yearly, or $29 monthly. You're on {plan} today.",
        "Can I try it first?",
        "Yes: I can start a 14-day Business trial now, no card needed. Shall I?",
        "Sure.",
        "Your trial is active for the next 14 days. Enjoy, {first}!",
    ),
    "shipping": (
        "Do you ship to Canada?",
        "We do! Shipping to Canada takes 5–8 business days and is free over $75.",
        "What about customs fees?",
        "Duties are included at checkout, so there's nothing to pay on delivery.",
    ),
}
FIRST_NAMES = ("Ada", "Grace", "Alan", "Katherine", "Linus", "Hedy", "Margaret", "Radia", "Ken")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Johnson", "Lamarr", "Hamilton", "Perlman", "Liskov")
PAGES = ("/", "/pricing", "/help", "/account/orders", "/checkout")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari/605.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
LOCALES = ("en-US", "en-GB", "en-CA", "de-DE", "fr-FR")
PRICED_MODELS = (("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-3-5-haiku"))
UNPRICED_MODEL = ("acme", "acme-support-ft")
"""An in-house fine-tune with no public price: its conversations show `costKnown: false`."""


def _conversation(
    rng: random.Random, assistant_id: int, index: int, started_at: datetime, active: bool
) -> ConversationRecord:
    """One conversation; the caller makes sure its last message is still in the past."""
    kind = ConversationType.TEST if index % 3 == 0 else ConversationType.WEB_WIDGET
    intent, lines = rng.choice(list(SCENARIOS.items()))
    turns = list(zip(lines[::2], lines[1::2], strict=True))
    turns = turns[:2] if active else turns[: rng.randint(1, len(turns))]
    provider, model = UNPRICED_MODEL if index % 10 == 3 else rng.choice(PRICED_MODELS)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    plan = rng.choice(("Free", "Pro", "Pro", "Business"))
    email = f"{first}.{last}@example.com".lower()
    order = f"A-{rng.randint(10000, 99999)}"
    values = {"first": first, "email": email, "plan": plan, "order": order}
    if kind is ConversationType.TEST:  # the builder trying the assistant out
        values.update(first="there", email="your account email", plan="Pro")

    messages: list[MessageRecord] = []
    at, context = started_at, _SYSTEM_PROMPT_TOKENS
    for turn, (said, replied) in enumerate(turns):
        at += timedelta(seconds=rng.randint(15, 90))
        question, answer = said.format(**values), replied.format(**values)
        messages.append(MessageRecord(MessageRole.USER, question, at))
        if active and turn == len(turns) - 1:
            break  # the visitor is still waiting for this reply
        cached = (context // 128) * 128 if turn else 0  # the previous prompt, as providers cache
        context += len(question) // 4 + 8
        at += timedelta(seconds=rng.randint(2, 9))
        output = len(answer) // 4 + rng.randint(0, 12)
        usage = ReplyUsage(provider, model, context, output, cached_input_tokens=cached)
        messages.append(MessageRecord(MessageRole.ASSISTANT, answer, at, usage))
        context += output

    variables: list[VariableRecord] = []
    visitor = None
    if kind is ConversationType.WEB_WIDGET:
        visitor = Visit(
            session_id=f"vs_{rng.getrandbits(64):016x}",
            page_url="https://acme.example" + rng.choice(PAGES),
            user_agent=rng.choice(AGENTS),
            locale=rng.choice(LOCALES),
        )
        answers = {"name": f"{first} {last}", "email": email, "plan": plan}
        variables += [
            VariableRecord(
                field["name"],
                answers[field["name"]],
                VariableType(field["type"]),
                VariableSource.PRE_CHAT_FORM,
                started_at,
            )
            for field in PRE_CHAT_FORM
            if field["required"] or rng.random() < 0.8
        ]
    extracted: dict[str, tuple[object, VariableType]] = {"intent": (intent, VariableType.TEXT)}
    if any("{order}" in said for said, _ in turns):
        extracted["order_number"] = (order, VariableType.TEXT)
    if not active and len(turns) > 1 and rng.random() < 0.7:
        extracted["satisfied"] = (rng.random() < 0.85, VariableType.BOOLEAN)
    variables += [
        VariableRecord(name, value, type_, VariableSource.EXTRACTED, messages[-1].created_at)
        for name, (value, type_) in extracted.items()
    ]
    voice = kind is ConversationType.WEB_WIDGET and rng.random() < 0.2
    return ConversationRecord(
        assistant_id=assistant_id,
        type=kind,
        started_at=started_at,
        mode=ConversationMode.VOICE_AND_CHAT if voice else ConversationMode.CHAT,
        ended_at=None if active else at + timedelta(minutes=rng.randint(1, 10)),
        visitor=visitor,
        messages=messages,
        variables=variables,
    )


async def seed(now: datetime | None = None, port: int = PORT) -> tuple[Workspace, str]:
    """Writes the demo into the open database; returns the workspace and its read-write key."""
    now = now or datetime.now(UTC)
    rng = random.Random(2026)  # noqa: S311 (demo content, not secrets)
    async with change():
        workspace, secret = await create_workspace(DEMO_WORKSPACE)
        assistant = await Assistant.create(
            workspace_id=workspace.id,
            name="Acme Support",
            pre_chat_form=PRE_CHAT_FORM,
            extracted_variables=EXTRACTED,
            allowed_origins=demo_origins(port),
        )
        # Start times over the last 30 days, oldest first; the newest three are still going.
        ages = sorted((rng.uniform(0.1, 29.5) for _ in range(CONVERSATIONS - 3)), reverse=True)
        starts = [now - timedelta(days=age) for age in ages]
        # The newest start within the idle timeout (30 min), so the sweeper leaves them active.
        starts += [now - timedelta(minutes=minutes) for minutes in (20, 14, 8)]
        for index, started_at in enumerate(starts):
            active = index >= CONVERSATIONS - 3
            record = _conversation(rng, assistant.id, index, started_at, active)
            await record_conversation(workspace.id, record)
    return workspace, secret


async def _widget_key(key_file: Path) -> None:
    """A widget key of the demo assistant for /widget/demo, made once and kept in `key_file`."""
    if saved_key(key_file) is not None:
        return
    assistant = await Assistant.filter(workspace__name=DEMO_WORKSPACE).order_by("id").first()
    if assistant is None:
        return
    _, key = await create_api_key(
        assistant.workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=assistant.id
    )
    save_key(key_file, key)


async def _allow_port(port: int) -> list[str]:
    """Adds `port`'s local origins to an existing demo assistant; the origins it added."""
    assistant = await Assistant.filter(workspace__name=DEMO_WORKSPACE).order_by("id").first()
    if assistant is None:
        return []
    added = [origin for origin in demo_origins(port) if origin not in assistant.allowed_origins]
    if added:
        assistant.allowed_origins = [*assistant.allowed_origins, *added]
        await assistant.save(update_fields=["allowed_origins"])
    return added


DEMO_INSTRUCTIONS = (
    "You are Acme Support, the helpful assistant of the Acme shop. Answer briefly and kindly; "
    "if you do not know something about an order, say so and offer to hand it to a person."
)


async def answer_with(model: str | None) -> str:
    """Gives the demo assistant the built-in engine's `model` (when a provider is configured)
    and says how it will be answered."""
    assistant = await Assistant.filter(workspace__name=DEMO_WORKSPACE).order_by("id").first()
    if assistant is None:
        return ""
    if model is None:
        return (
            "The demo assistant does not answer by itself. To have it answer with a model: "
            "OPENAI_API_KEY=sk-… make run (OpenAI), or OPENAI_BASE_URL=http://127.0.0.1:11434/v1 "
            "PARLEY_DEMO_MODEL=llama3.2 make run (a local Ollama); or answer it through the API "
            "(docs/engine.md)."
        )
    if assistant.model != model:
        assistant.model = model
        assistant.instructions = assistant.instructions or DEMO_INSTRUCTIONS
        await assistant.save(update_fields=["model", "instructions"])
    return f"The demo assistant answers with {model} (the built-in engine; see docs/engine.md)."


def curl_command(secret: str, port: int = PORT) -> str:
    """A command that lists the newest conversations, to paste into a shell."""
    query = (
        "{ conversations(first: 5) { totalCount edges { node "
        "{ type status startedAt messageCount usage { cost costKnown } } } } }"
    )
    return (
        f"curl -s http://127.0.0.1:{port}/graphql -H 'Authorization: Bearer {secret}' "
        f"-H 'Content-Type: application/json' -d '{{\"query\": \"{query}\"}}'"
    )


def save_key(key_file: Path, secret: str) -> None:
    """Readable by its owner only: it is a read-write key to the demo workspace."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.chmod(0o600)
    key_file.write_text(secret + "\n")


def saved_key(key_file: Path) -> str | None:
    if not key_file.exists():
        return None
    return key_file.read_text().strip() or None


async def seed_in_open_database(
    key_file: Path, *, if_empty: bool, port: int = PORT, model: str | None = None
) -> int:
    """The command's work once the database is open, so tests can run it inside their own;
    `model`: the demo assistant's, when a provider is configured."""
    if if_empty and await Workspace.exists(name=DEMO_WORKSPACE):
        print(f"The {DEMO_WORKSPACE!r} workspace exists already; nothing was added.")
        added = await _allow_port(port)
        if added:
            print(f"Its widget may now also run on {' and '.join(added)}.")
        secret = saved_key(key_file)
        if secret is None:
            print(f"Its key is not in {key_file}, and only its hash is stored.")
            return 0
        print(f"Its secret key, saved in {key_file}:")
    else:
        workspace, secret = await seed(port=port)
        save_key(key_file, secret)
        print(f"Created {workspace.name!r} with {CONVERSATIONS} conversations. Its secret key:")
    print(secret)
    await _widget_key(key_file.with_name(DEMO_WIDGET_KEY_FILE.name))
    print(await answer_with(model))
    print("Try it (after `parley serve`):")
    print(curl_command(secret, port))
    return 0


async def seed_demo(
    settings: Settings, if_empty: bool, key_file: Path | None = None, port: int = PORT
) -> int:
    """`parley seed-demo [--if-empty] [--port PORT]`: exit code 0 once the demo exists, its
    widget may run on this machine's PORT, and its key is shown."""
    engine = settings.engine
    async with open_database(settings):
        return await seed_in_open_database(
            key_file or DEMO_KEY_FILE,
            if_empty=if_empty,
            port=port,
            model=engine.demo_model if engine.configured else None,
        )
