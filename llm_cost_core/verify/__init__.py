"""Verification: parity with tiktoken (corpus, runner, generated texts, report) and the
reference tokenizers it compares against.
"""
