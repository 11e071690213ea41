"""Counting an OpenAI-style chat prompt (a messages list): an estimate, not an exact count.

The chat format wraps each message in tokens the API adds itself; OpenAI documents the overhead
for its models in the cookbook "How to count tokens with tiktoken": 3 tokens per message, 1 more
when a message has a `name`, and 3 to prime the reply. Newer models and tool definitions can
differ, so this count is an estimate, while each text inside it is counted exactly.
"""

from __future__ import annotations

from typing import Any, Protocol

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


class Counter(Protocol):
    def count(self, text: str) -> int: ...


class MessagesError(ValueError):
    """A list that is not a messages list; the message says which item and why."""


def count_messages(encoding: Counter, messages: list[Any]) -> int:
    """The prompt tokens of `messages` (`[{"role": ..., "content": ...}, ...]`), as the cookbook
    counts them. `content` may be a string, null, or a list of parts whose `"type": "text"` parts
    are counted; other parts (images, audio) and non-string values (`tool_calls`) are not.

    An empty list is refused, although the cookbook would count it as 3 tokens: an empty chat is
    almost certainly a data bug, which a count would hide."""
    if not messages:
        raise MessagesError("the list is empty")
    total = REPLY_PRIMING
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise MessagesError(f"item {index} is not a message object")
        if not isinstance(message.get("role"), str):
            raise MessagesError(f"item {index} has no string 'role'")
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            if isinstance(value, str):
                total += encoding.count(value)
                if key == "name":
                    total += TOKENS_PER_NAME
            elif key == "content":
                total += _count_parts(encoding, value, index)
    return total


def _count_parts(encoding: Counter, content: Any, index: int) -> int:
    if content is None:
        return 0
    if not isinstance(content, list):
        raise MessagesError(
            f"item {index} has 'content' that is not a string, null or a list of parts"
        )
    total = 0
    for part in content:
        if not isinstance(part, dict):
            raise MessagesError(f"item {index} has a content part that is not an object")
        if part.get("type") == "text":
            if not isinstance(part.get("text"), str):
                raise MessagesError(f"item {index} has a text part without a string 'text'")
            total += encoding.count(part["text"])
    return total
