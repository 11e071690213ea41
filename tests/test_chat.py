"""Chat prompts (messages lists) are counted as OpenAI's cookbook counts them with tiktoken."""

from __future__ import annotations

import pytest

from llm_cost_core.models.chat import MessagesError, count_messages


def cookbook(reference, messages: list[dict]) -> int:
    """num_tokens_from_messages from OpenAI's cookbook "How to count tokens with tiktoken", run on
    tiktoken itself (encode_ordinary: user text is not special tokens)."""
    tokens_per_message, tokens_per_name = 3, 1
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(reference.encode_ordinary(value))
            if key == "name":
                num_tokens += tokens_per_name
    return num_tokens + 3


CONVERSATIONS = [
    [{"role": "user", "content": "hello world"}],
    [
        {"role": "system", "content": "You are a helpful, pattern-following assistant."},
        {"role": "system", "name": "example_user", "content": "New synergies will help drive."},
        {"role": "system", "name": "example_assistant", "content": "Things working well together."},
        {"role": "user", "content": "This late pivot means we don't have time to boil the ocean."},
    ],
    [{"role": "user", "content": "ünïcödé 😀 <|endoftext|>\n\n  spaces\u2028"}],
]


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_matches_the_cookbook_on_tiktoken(encoding, reference, messages):
    assert count_messages(encoding, messages) == cookbook(reference, messages)


def test_content_parts_count_their_text_only(encoding, reference):
    parts = [
        {"role": "user", "content": [
            {"type": "text", "text": "what is in"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            {"type": "text", "text": " this picture?"},
        ]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "x"}]},
    ]  # fmt: skip
    flat = [
        {"role": "user", "content": "what is in"},
        {"role": "user", "content": " this picture?"},
        {"role": "assistant"},
    ]
    # Two text parts in one message cost one message's overhead, not two.
    assert count_messages(encoding, parts) == cookbook(reference, flat) - 3 - len(
        reference.encode_ordinary("user")
    )


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        # The cookbook would count 3 tokens; an empty chat is a data bug, reported like one.
        ([], "the list is empty"),
        ([1], "item 0 is not a message object"),
        ([{"role": "user"}, {"content": "x"}], "item 1 has no string 'role'"),
        ([{"role": "user", "content": 5}], "item 0 has 'content' that is not a string, null or"),
        ([{"role": "user", "content": ["x"]}], "item 0 has a content part that is not an object"),
        ([{"role": "user", "content": [{"type": "text"}]}], "item 0 has a text part without"),
    ],
)
def test_what_is_not_a_messages_list_says_why(encoding, messages, reason):
    with pytest.raises(MessagesError, match=reason):
        count_messages(encoding, messages)
