# The parity checks of llm_cost_core.testing for this plugin's encodings (those of the
# distribution named in ../pyproject.toml): spec, corpus, special tokens, round trip, and live
# tiktoken cl100k_im built as tiktoken's README builds it.
pytest_plugins = ["llm_cost_core.testing"]
